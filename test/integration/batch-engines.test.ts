/**
 * The DuckDB and Spark engines agree: the same models over the same generated bronze (a few
 * thousand tweets over several symbols, days and hours, a retried tweet id, retried ticks, late
 * rows in the next day's objects, a corrupt object, one of another schema and one with an extra
 * column) give the same gold and skip the same objects, and so does the scheduled run after a new
 * hour, which merges the all-time statistics from the gold each engine wrote before. Every table
 * and every partition is compared: the same objects, the same column names and types, row counts
 * exact, every value equal (floats within 1e-9; quantiles are exact and linearly interpolated on
 * both engines, so they are held to it too). Spark runs through `batch-layer/spark/setup.sh`'s toolchain (.ci/run installs it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../batch-layer/batch-run.js';
import type { RunManifest } from '../../batch-layer/run-manifest.js';
import { SparkEngine } from '../../batch-layer/spark-engine.js';
import { putTicks, putTweets, tick, tweet } from '../../batch-layer/test-fixture.js';
import { loadConfig } from '../../infra/config.js';
import { LocalObjectStore } from '../../infra/lake/local-object-store.js';
import { GENERATED_DAYS, generateBronze, putGeneratedBronze, putOddBronze } from './generated-bronze.js';

const config = loadConfig(process.env);
const TOLERANCE = 1e-9;
const LAST_DAY = GENERATED_DAYS.at(-1) as string;

const openSpark = () =>
  SparkEngine.open({
    sparkSubmit: config.spark.submit,
    master: config.spark.master,
    driverMemory: config.spark.driverMemory,
  });

/** Tweets and ticks of the last day's 21:00 hour, after the generated ones, as new objects. */
async function putNewHour(store: LocalObjectStore): Promise<void> {
  const at = (minute: number) => `${LAST_DAY}T21:${String(minute).padStart(2, '0')}:00Z`;
  await putTweets(
    store,
    LAST_DAY,
    [0, 7, 13, 25, 38, 44, 51].map((m, i) =>
      tweet(
        `new-hour-${i}`,
        at(m),
        Math.round((i / 7 - 0.4) * 10_000) / 10_000,
        i % 2 ? ['AAPL'] : ['TSLA', 'AAPL'],
      ),
    ),
    900_000,
  );
  await putTicks(
    store,
    LAST_DAY,
    [1, 2, 4, 9, 30].map((m, i) => tick('AAPL', at(m), 101 + i, 102 + i, 10 + i)),
    900_000,
    1,
  );
}

interface GoldFile {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

/** A gold object as DuckDB reads it: its columns and types, its rows in a canonical order. */
async function readGold(connection: Awaited<ReturnType<DuckDBInstance['connect']>>, path: string) {
  const source = `read_parquet('${path.replaceAll("'", "''")}', hive_partitioning = false)`;
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
  const columns = described
    .getRowObjectsJS()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const result = await connection.runAndReadAll(`SELECT * FROM ${source}`);
  const rows = result
    .getRowsJS()
    .map((row) =>
      row.map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v)),
    );
  // Ordered by the columns that are not floats (the keys), then by the floats: the files' own
  // orders differ in where NULLs go.
  const floats = columns.map((c) => c.type === 'DOUBLE');
  const key = (row: unknown[]) =>
    JSON.stringify([row.filter((_, i) => !floats[i]), row.filter((_, i) => floats[i])]);
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { columns, rows } satisfies GoldFile;
}

const partitionsOf = (manifest: RunManifest) =>
  new Map(manifest.tables.flatMap((t) => t.partitions.map((p) => [p.key, { table: t.table, rows: p.rows }])));

describe('DuckDB and Spark engines', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-engines-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('write the same gold tables from the same bronze: every partition, column, row and value', async () => {
    const bronze = generateBronze();
    const runs: Record<
      string,
      { manifest: RunManifest; next: RunManifest; store: LocalObjectStore; seconds: number }
    > = {};
    let skipped: string[] = [];
    for (const engine of ['duckdb', 'spark'] as const) {
      const store = await LocalObjectStore.open(join(dir, engine));
      await putGeneratedBronze(store, bronze);
      skipped = await putOddBronze(store, GENERATED_DAYS[1] as string, 'MSFT');
      const started = Date.now();
      const manifest = await runBatch({
        store,
        cacheDir: join(dir, 'cache'),
        ...(engine === 'spark' ? { openEngine: openSpark } : {}),
      });
      const seconds = (Date.now() - started) / 1000;
      // Then a new hour on the last day and the scheduled run after it, which takes the other days'
      // parts of the all-time statistics from the gold this engine wrote.
      await putNewHour(store);
      const next = await runBatch({
        store,
        cacheDir: join(dir, 'cache'),
        ...(engine === 'spark' ? { openEngine: openSpark } : {}),
      });
      runs[engine] = { manifest, next, store, seconds };
    }
    const duck = runs.duckdb as (typeof runs)[string];
    const spark = runs.spark as (typeof runs)[string];
    expect(spark.manifest.engine).toBe('spark');
    // Both skip the object that is not Parquet and the one of another schema, and read the newer one.
    for (const run of [duck, spark]) {
      expect(run.manifest.errors.map((e) => e.key).sort()).toEqual(skipped.sort());
      expect(run.manifest.errors.map((e) => e.message.split(':')[0]).sort()).toEqual([
        'schema mismatch',
        'unreadable',
      ]);
    }
    expect(spark.manifest.dates).toEqual(duck.manifest.dates);
    expect(spark.manifest.coveredUntil).toBe(duck.manifest.coveredUntil);
    expect(spark.manifest.tables.map((t) => [t.table, t.rows])).toEqual(
      duck.manifest.tables.map((t) => [t.table, t.rows]),
    );
    expect(spark.next.dates).toEqual([LAST_DAY]);
    expect(spark.next.dates).toEqual(duck.next.dates);
    expect(spark.next.goldInputs.map((i) => i.key)).toEqual(duck.next.goldInputs.map((i) => i.key));
    expect(spark.next.goldInputs.length).toBeGreaterThan(0);
    // Every gold object as it stands after both runs (the second rewrote the last day and all-time).
    const duckParts = new Map([...partitionsOf(duck.manifest), ...partitionsOf(duck.next)]);
    const sparkParts = new Map([...partitionsOf(spark.manifest), ...partitionsOf(spark.next)]);
    expect([...sparkParts.keys()].sort()).toEqual([...duckParts.keys()].sort());

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const totals = new Map<string, { partitions: number; rows: number; values: number; maxDiff: number }>();
    try {
      for (const [key, { table, rows }] of duckParts) {
        const a = await readGold(connection, duck.store.locate(key));
        const b = await readGold(connection, spark.store.locate(key));
        expect(b.columns, key).toEqual(a.columns);
        expect(a.rows.length, key).toBe(rows);
        expect(b.rows.length, key).toBe(a.rows.length);
        const total = totals.get(table) ?? { partitions: 0, rows: 0, values: 0, maxDiff: 0 };
        for (const [r, row] of a.rows.entries()) {
          const other = b.rows[r] as unknown[];
          for (const [c, value] of row.entries()) {
            const column = a.columns[c]?.name;
            const theirs = other[c];
            if (typeof value === 'number' && typeof theirs === 'number' && a.columns[c]?.type === 'DOUBLE') {
              const diff = Math.abs(value - theirs);
              if (!(diff <= TOLERANCE))
                expect.fail(`${key} row ${r} ${column}: duckdb ${value}, spark ${theirs} (|Δ| ${diff})`);
              total.maxDiff = Math.max(total.maxDiff, diff);
            } else if (value !== theirs)
              expect.fail(`${key} row ${r} ${column}: duckdb ${String(value)}, spark ${String(theirs)}`);
            total.values++;
          }
        }
        total.partitions++;
        total.rows += a.rows.length;
        totals.set(table, total);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
      for (const run of Object.values(runs)) await run.store.close();
    }
    console.log(
      [
        `bronze: ${bronze.tweetRows} tweets, ${bronze.tickRows} ticks; duckdb ${duck.seconds.toFixed(1)} s, spark ${spark.seconds.toFixed(1)} s`,
        ...[...totals].map(
          ([table, t]) =>
            `  ${table}: ${t.partitions} partitions, ${t.rows} rows, ${t.values} values equal (max float |Δ| ${t.maxDiff.toExponential(1)})`,
        ),
      ].join('\n'),
    );
    // Every table of the run was compared, and none was empty (an empty table agrees trivially).
    expect([...totals.keys()].sort()).toEqual(duck.manifest.tables.map((t) => t.table).sort());
    for (const [table, t] of totals) expect(t.rows, table).toBeGreaterThan(0);
  }, 900_000);
});
