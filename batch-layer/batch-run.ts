/**
 * One batch run: bronze → models → gold, under the run lock.
 *
 *  1. take the lock; read the latest complete run's manifest; read bronze progress, then list
 *     bronze (in that order, so every row before the progress is in the listing);
 *  2. the gold days to compute: the asked range, or (scheduled) the days an object new, changed or
 *     gone since the latest run can change (bronze-sources.ts: by the event times of a new object's
 *     rows, which are read first; by its date for one gone or unreadable);
 *  3. copy the bronze objects those days read to the cache (S3) or read them in place (embedded),
 *     load them into the engine (a bad object is skipped and reported), build every model; a model
 *     that reads another over every day (`all_days()`, the all-time statistics) gets this run's
 *     days of it and the other days from their gold partitions, copied or read in place alike;
 *  4. write every gold partition of those days as local files, the run's temporaries: nothing in
 *     the lake has changed yet, so a run killed up to here leaves the previous gold as it was;
 *  5. put each partition to its final key (the port's put is atomic: a reader sees the old
 *     partition or the new one, never a part; during this step some partitions may already be new
 *     and others still old, each whole);
 *  6. write the manifest, then move `latest.json` to it. A run killed before that did not happen
 *     for the next run: the latest manifest still lists the old objects, so the days are redone.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../infra/lake/object-store.js';
import { BRONZE_DATASETS, type BronzeDataset, goldObjectKey, goldTablePrefix } from '../schemas/lake.js';
import { DAY_MS } from '../schemas/time.js';
import { syncBronze } from './bronze-cache.js';
import { eventTimeRanges } from './bronze-event-times.js';
import {
  type BronzeObjectInfo,
  bronzeCompleteHour,
  listBronze,
  readBronzeProgress,
} from './bronze-inventory.js';
import {
  addDays,
  BRONZE_SOURCES,
  bronzeDatesOfGoldDay,
  dayIndex,
  daysBetween,
  goldDaysOfBronzeDate,
  goldDaysOfEventTimes,
} from './bronze-sources.js';
import { DuckDbEngine } from './duckdb-engine.js';
import type { BatchEngine, GoldDayFile, InputError, LocalPartition } from './engine.js';
import { goldTableObjectKey } from './gold-keys.js';
import { goldTables, loadModels, type Model, runOrder } from './models.js';
import { RunLock } from './run-lock.js';
import {
  type ObjectVersion,
  pointLatestAt,
  type RunManifest,
  readLatestManifest,
  type TableOutput,
  writeManifest,
} from './run-manifest.js';

export interface BatchRunOptions {
  store: ObjectStore;
  /** Where S3 bronze objects are cached between runs. */
  cacheDir: string;
  /** An explicit range of gold days (both included); unset: the days with new bronze. */
  range?: { from: string; to: string };
  lockTtlMs?: number;
  now?: () => number;
  runId?: string;
  /** A line per step (dates, tables, rows, seconds). */
  log?: (line: string) => void;
  /** A transient status (the CLI shows it as a progress line on a terminal). */
  progress?: (status: string) => void;
  openEngine?: () => Promise<BatchEngine>;
  models?: Model[];
  /** Called before each gold object is put: a test's way to kill a run between partitions. */
  beforePublish?: (key: string, index: number) => Promise<void> | void;
}

export const DEFAULT_LOCK_TTL_MS = 15 * 60_000;

const DATASETS: BronzeDataset[] = [BRONZE_DATASETS.tweets.name, BRONZE_DATASETS.stockPrices.name];

export function newRunId(now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const sameVersion = (a: ObjectVersion | undefined, b: ObjectVersion) =>
  a !== undefined && a.size === b.size && a.lastModified === b.lastModified;

export async function runBatch(options: BatchRunOptions): Promise<RunManifest> {
  const now = options.now ?? Date.now;
  const started = now();
  const runId = options.runId ?? newRunId(started);
  const log = options.log ?? (() => undefined);
  const progress = options.progress ?? (() => undefined);
  const { store } = options;
  const ttl = options.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;

  const lock = await RunLock.acquire(store, runId, ttl, now);
  const renewal = setInterval(() => void lock.renew().catch(() => undefined), Math.max(1000, ttl / 3));
  renewal.unref();
  let workDir: string | undefined;
  let engine: BatchEngine | undefined;
  const errors: InputError[] = [];
  const manifest: RunManifest = {
    runId,
    engine: 'duckdb',
    status: 'failed',
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    dates: [],
    ...(options.range ? { range: options.range } : {}),
    coveredUntil: null,
    inputs: [],
    goldInputs: [],
    absorbed: {},
    tables: [],
    rows: 0,
    errors,
    seconds: 0,
  };
  try {
    const previous = await readLatestManifest(store);
    const before = previous?.absorbed ?? {};
    progress('reading bronze progress and listing bronze');
    const bronzeProgress = await readBronzeProgress(store, DATASETS);
    const bronze = await listBronze(store, DATASETS);

    const current = new Map(bronze.map((o) => [o.key, o]));
    const changed = bronze.filter((o) => !sameVersion(before[o.key], o));
    const gone = Object.keys(before).filter((key) => !current.has(key));
    progress(`reading the event times of ${changed.length} new bronze objects`);
    const timesFrom = now();
    const { days: objectDays, fetched } = await changedObjectDays(store, bronze, changed, options.cacheDir);
    const timesSeconds = (now() - timesFrom) / 1000;
    const days = options.range
      ? daysBetween(options.range.from, options.range.to)
      : [
          ...new Set([
            ...changed.flatMap((o) => objectDays.get(o.key) ?? []),
            ...gone.flatMap((key) => {
              const date = /\/date=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
              return date ? goldDaysOfBronzeDate(date) : [];
            }),
          ]),
        ].sort();
    manifest.dates = days;
    const models = runOrder(
      options.models ?? loadModels(),
      BRONZE_SOURCES.map((s) => s.name),
    );
    log(
      days.length > 0 ? `batch ${runId}: gold days ${describeDays(days)}` : `batch ${runId}: no new bronze`,
    );
    if (changed.length > 0)
      log(`  event times of ${changed.length} new bronze objects (${timesSeconds.toFixed(2)} s)`);

    if (days.length > 0) {
      // Only the bronze of the days computed: all-time figures merge the other days from gold.
      const dates = new Set(days.flatMap(bronzeDatesOfGoldDay));
      const needed = bronze.filter((o) => dates.has(o.date));
      manifest.inputs = needed.map(({ key, size, lastModified }) => ({ key, size, lastModified }));
      const sync = await syncBronze(store, needed, options.cacheDir, (done, total) =>
        progress(`bronze ${done}/${total} objects`),
      );
      // The new objects were fetched first, for their event times; the rest now.
      const downloaded = fetched.downloaded + sync.downloaded;
      if (downloaded > 0)
        log(
          `  cached ${downloaded} bronze objects (${((fetched.downloadedBytes + sync.downloadedBytes) / 1e6).toFixed(1)} MB)`,
        );

      engine = await (options.openEngine ?? DuckDbEngine.open)();
      manifest.engine = engine.dialect.name;
      for (const source of BRONZE_SOURCES) {
        const files = needed
          .filter((o) => o.dataset === source.dataset && sync.paths.has(o.key))
          .map((o) => ({ key: o.key, path: sync.paths.get(o.key) as string }));
        progress(`loading ${source.name} (${files.length} objects)`);
        const t0 = now();
        const loaded = await engine.loadSource(source, files);
        errors.push(...loaded.errors);
        log(
          `  ${source.name}: ${loaded.rows} rows from ${files.length - loaded.errors.length} objects (${((now() - t0) / 1000).toFixed(2)} s)`,
        );
      }
      for (const e of errors) log(`  skipped ${e.key}: ${e.message}`);

      workDir = await mkdtemp(join(tmpdir(), 'sentiment-batch-'));
      const partitions: LocalPartition[] = [];
      const byName = new Map(models.map((m) => [m.name, m]));
      const allDaysBuilt = new Set<string>();
      for (const [i, model] of models.entries()) {
        const t0 = now();
        progress(`model ${i + 1}/${models.length} ${model.name}`);
        for (const name of model.allDays) {
          if (allDaysBuilt.has(name)) continue;
          const others = await otherGoldDays(store, name, days, options.cacheDir);
          manifest.goldInputs.push(...others.objects);
          const built = await engine.buildAllDays(byName.get(name) as Model, days, others.files);
          allDaysBuilt.add(name);
          log(
            `  ${name}, all days: ${built.rows} rows, ${others.files.length} days from gold (${((now() - t0) / 1000).toFixed(2)} s)`,
          );
        }
        await engine.build(model);
        if (model.materialized !== 'table') {
          log(`  ${model.name}: staged (${((now() - t0) / 1000).toFixed(2)} s)`);
          continue;
        }
        const written = await engine.writePartitions(model, days, workDir);
        partitions.push(...written);
        const rows = written.reduce((n, p) => n + p.rows, 0);
        manifest.tables.push({ table: model.name, partitions: [], rows });
        log(
          `  ${model.name}: ${rows} rows in ${written.length} partitions (${((now() - t0) / 1000).toFixed(2)} s)`,
        );
      }

      await lock.renew();
      const byTable = new Map<string, TableOutput>(manifest.tables.map((t) => [t.table, t]));
      for (const [i, partition] of partitions.entries()) {
        progress(`publishing ${i + 1}/${partitions.length} ${partition.key}`);
        await options.beforePublish?.(partition.key, i);
        const body = await readFile(partition.path);
        await store.put(partition.key, body, { contentType: 'application/vnd.apache.parquet' });
        byTable.get(partition.table)?.partitions.push({
          key: partition.key,
          ...(partition.day ? { day: partition.day } : {}),
          rows: partition.rows,
          bytes: body.byteLength,
        });
      }
      manifest.rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
      // A computed day with no rows now (its bronze gone) has no partition: one left by an earlier
      // run would still be read as that day's, by the API and by all_days().
      manifest.removed = await removeEmptied(store, goldTables(models), days, partitions);
      if (manifest.removed.length > 0)
        log(`  removed ${manifest.removed.length} gold partitions of days that have no rows now`);
    }

    // What gold now reflects: an object counts once every gold day it can change was computed.
    const computed = new Set(days);
    const absorbed: Record<string, ObjectVersion> = {};
    let staleFrom = Number.POSITIVE_INFINITY;
    const absorbs = (gold: readonly string[]) => gold.every((d) => computed.has(d));
    for (const o of bronze) {
      const version = { size: o.size, lastModified: o.lastModified };
      if (sameVersion(before[o.key], o)) absorbed[o.key] = version;
      else {
        const gold = objectDays.get(o.key) ?? goldDaysOfBronzeDate(o.date);
        if (absorbs(gold)) absorbed[o.key] = version;
        else {
          const old = before[o.key];
          if (old) absorbed[o.key] = old;
          staleFrom = Math.min(staleFrom, dayIndex(gold[0] as string) * DAY_MS);
        }
      }
    }
    for (const key of gone) {
      const date = /\/date=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
      if (date && !absorbs(goldDaysOfBronzeDate(date))) {
        absorbed[key] = before[key] as ObjectVersion;
        staleFrom = Math.min(staleFrom, (dayIndex(date) - 1) * DAY_MS);
      }
    }
    manifest.absorbed = absorbed;
    const complete = bronzeCompleteHour(bronzeProgress, DATASETS);
    const covered = complete === null ? null : Math.min(complete, staleFrom);
    manifest.coveredUntil = covered === null ? null : new Date(covered).toISOString();

    await lock.confirm();
    manifest.status = 'complete';
    manifest.finishedAt = new Date(now()).toISOString();
    manifest.seconds = (now() - started) / 1000;
    const key = await writeManifest(store, manifest);
    await pointLatestAt(store, manifest, key);
    log(
      `batch ${runId}: ${manifest.rows} gold rows, ${errors.length} bronze objects skipped, covered until ${manifest.coveredUntil ?? 'nothing yet'} (${manifest.seconds.toFixed(2)} s)`,
    );
    return manifest;
  } catch (error) {
    manifest.failure = (error as Error).message;
    manifest.finishedAt = new Date(now()).toISOString();
    manifest.seconds = (now() - started) / 1000;
    await writeManifest(store, manifest).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(renewal);
    await engine?.close().catch(() => undefined);
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await lock.release().catch(() => undefined);
  }
}

/** Deletes the gold objects of computed `days` (or an unpartitioned table) this run wrote none of. */
async function removeEmptied(
  store: ObjectStore,
  tables: readonly Model[],
  days: readonly string[],
  written: readonly LocalPartition[],
): Promise<string[]> {
  const kept = new Set(written.map((p) => p.key));
  const computed = new Set(days.map((d) => `/date=${d}/`));
  const removed: string[] = [];
  for (const table of tables) {
    for await (const info of store.list(goldTablePrefix(table.name))) {
      const day = /\/date=\d{4}-\d{2}-\d{2}\//.exec(info.key)?.[0];
      const ours = table.partitionBy
        ? day !== undefined && computed.has(day)
        : info.key === goldTableObjectKey(table.name);
      if (!ours || kept.has(info.key)) continue;
      await store.delete(info.key);
      removed.push(info.key);
    }
  }
  return removed;
}

/**
 * The gold partitions of `table` on days other than `days` (this run computes those), as local
 * files: an S3 lake's copied to the cache as bronze is, an embedded lake's where they are.
 */
async function otherGoldDays(
  store: ObjectStore,
  table: string,
  days: readonly string[],
  cacheDir: string,
): Promise<{ files: GoldDayFile[]; objects: RunManifest['goldInputs'] }> {
  const computed = new Set(days);
  const listed: { info: ObjectInfo; day: string }[] = [];
  for await (const info of store.list(goldTablePrefix(table))) {
    const day = /\/date=(\d{4}-\d{2}-\d{2})\//.exec(info.key)?.[1];
    // Only a day's whole partition file (a run writes part-00000); anything else is not gold.
    if (!day || computed.has(day) || info.key !== goldObjectKey(table, day)) continue;
    listed.push({ info, day });
  }
  listed.sort((a, b) => a.day.localeCompare(b.day));
  const sync = await syncBronze(
    store,
    listed.map((l) => l.info),
    cacheDir,
  );
  const files: GoldDayFile[] = [];
  for (const { info, day } of listed) {
    const path = sync.paths.get(info.key);
    // Gone since it was listed (a range run cannot delete under the lock; another tool might).
    if (path) files.push({ day, key: info.key, path });
  }
  return {
    files,
    objects: listed.map(({ info }) => ({ key: info.key, size: info.size, lastModified: info.lastModified })),
  };
}

/**
 * The gold days each new or changed object can change: those of its rows' event times where its
 * file can be read (goldDaysOfEventTimes), else its date's; either way only days that can have
 * gold at all (a day's rows live in bronze of its date or the next), so that an hour added to the
 * last day does not compute the empty day after it.
 */
async function changedObjectDays(
  store: ObjectStore,
  bronze: readonly BronzeObjectInfo[],
  changed: readonly BronzeObjectInfo[],
  cacheDir: string,
): Promise<{ days: Map<string, string[]>; fetched: { downloaded: number; downloadedBytes: number } }> {
  const dates = new Set(bronze.map((o) => o.date));
  const canHaveGold = (day: string) => dates.has(day) || dates.has(addDays(day, 1));
  const sync = await syncBronze(store, changed, cacheDir);
  const days = new Map<string, string[]>();
  for (const source of BRONZE_SOURCES) {
    const objects = changed.filter((o) => o.dataset === source.dataset && sync.paths.has(o.key));
    const ranges = await eventTimeRanges(
      source,
      objects.map((o) => ({ key: o.key, path: sync.paths.get(o.key) as string })),
    );
    for (const o of objects) {
      const range = ranges.get(o.key);
      const gold = (range ? goldDaysOfEventTimes(range.min, range.max) : goldDaysOfBronzeDate(o.date)).filter(
        canHaveGold,
      );
      days.set(o.key, gold.length > 0 ? gold : goldDaysOfBronzeDate(o.date));
    }
  }
  for (const o of changed) if (!days.has(o.key)) days.set(o.key, goldDaysOfBronzeDate(o.date));
  return { days, fetched: { downloaded: sync.downloaded, downloadedBytes: sync.downloadedBytes } };
}

function describeDays(days: readonly string[]): string {
  if (days.length <= 4) return days.join(', ');
  return `${days[0]} .. ${days.at(-1)} (${days.length} days)`;
}
