/**
 * Incremental equals full: the generated bronze (test/integration/generated-bronze.ts: three days,
 * four symbols, a retried tweet id, retried ticks, late rows in the next day's objects) computed
 * in one run, and the same bronze without its last hour computed first, then that hour added and
 * the next scheduled run, give the same gold: the same objects, columns and types, the same rows,
 * every value equal (floats within 1e-9: a day's parts computed in another run may round
 * differently in the last bits; most are bit-identical, and the count says how many). The
 * incremental run computes only the last day, reads only its bronze and the day before it, and
 * takes the other days' parts of the all-time statistics from gold.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../batch-layer/batch-run.js';
import { putProgress, putTicks, putTweets } from '../../batch-layer/test-fixture.js';
import { LocalObjectStore } from '../../infra/lake/local-object-store.js';
import { GENERATED_DAYS, type GeneratedBronze, generateBronze } from './generated-bronze.js';

const TOLERANCE = 1e-9;
const LAST_DAY = GENERATED_DAYS.at(-1) as string;
/** The held-back hour: the generated bronze's last day, 20:00 to 21:00 (its ticks end at 21:00). */
const CUT = Date.parse(`${LAST_DAY}T20:00:00Z`);
const END = CUT + 3_600_000;

/** The generated objects cut at `CUT`: the rows before it, and the last hour's as new objects. */
function split(bronze: GeneratedBronze) {
  const cut = <Row>(
    objects: { day: string; partition: number; first: number; rows: Row[] }[],
    at: (r: Row) => number,
  ) => ({
    before: objects
      .map((o) => ({ ...o, rows: o.rows.filter((r) => at(r) < CUT) }))
      .filter((o) => o.rows.length > 0),
    // Later offsets of the same partitions, under the last day, as the speed layer would write them.
    hour: objects
      .map((o) => ({
        ...o,
        first: o.first + 500_000,
        rows: o.rows.filter((r) => at(r) >= CUT && at(r) < END),
      }))
      .filter((o) => o.rows.length > 0),
  });
  return {
    tweets: cut(bronze.tweets, (r) => r.created_at),
    ticks: cut(bronze.ticks, (r) => r.trade_timestamp),
  };
}

type Objects = ReturnType<typeof split>;

async function put(store: LocalObjectStore, objects: Objects, part: 'before' | 'hour', until: number) {
  for (const o of objects.tweets[part]) await putTweets(store, o.day, o.rows, o.first, o.partition);
  for (const o of objects.ticks[part]) await putTicks(store, o.day, o.rows, o.first, o.partition);
  for (const dataset of ['tweets', 'stock_prices'])
    for (let p = 0; p < 3; p++) await putProgress(store, dataset, p, until);
}

async function goldObjects(store: LocalObjectStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of store.list('gold/')) if (o.key.endsWith('.parquet')) keys.push(o.key);
  return keys.sort();
}

/** A gold object's columns and its rows in a canonical order (keys, then floats). */
async function readGold(connection: Awaited<ReturnType<DuckDBInstance['connect']>>, path: string) {
  const source = `read_parquet('${path.replaceAll("'", "''")}', hive_partitioning = false)`;
  const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`))
    .getRowObjectsJS()
    .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const rows = (await connection.runAndReadAll(`SELECT * FROM ${source}`))
    .getRowsJS()
    .map((row) =>
      row.map((v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v)),
    );
  const floats = columns.map((c) => c.type === 'DOUBLE');
  const key = (row: unknown[]) =>
    JSON.stringify([row.filter((_, i) => !floats[i]), row.filter((_, i) => floats[i])]);
  rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { columns, rows };
}

describe('an incremental run', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-incremental-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('after one new hour gives the gold of a full run, reading only the days that hour changes', async () => {
    const objects = split(generateBronze());
    expect(objects.tweets.hour.length).toBeGreaterThan(0);
    expect(objects.ticks.hour.length).toBeGreaterThan(0);

    const full = await LocalObjectStore.open(join(dir, 'full'));
    await put(full, objects, 'before', END);
    await put(full, objects, 'hour', END);
    const fullRun = await runBatch({ store: full, cacheDir: join(dir, 'cache-full') });

    const step = await LocalObjectStore.open(join(dir, 'step'));
    await put(step, objects, 'before', CUT);
    const first = await runBatch({ store: step, cacheDir: join(dir, 'cache-step') });
    // Every day (and the one before the first, whose last next-hour return a first-hour row sets).
    expect(first.dates).toEqual(['2026-05-03', ...GENERATED_DAYS]);
    await put(step, objects, 'hour', END);
    const incremental = await runBatch({ store: step, cacheDir: join(dir, 'cache-step') });

    // Only the hour's day; its bronze and the day before (look-back), none of the first day's.
    expect(incremental.dates).toEqual([LAST_DAY]);
    const readDates = [...new Set(incremental.inputs.map((i) => /date=([\d-]+)/.exec(i.key)?.[1]))].sort();
    expect(readDates).toEqual(GENERATED_DAYS.slice(1));
    expect(incremental.goldInputs.length).toBeGreaterThan(0);
    expect(incremental.coveredUntil).toBe(fullRun.coveredUntil);

    const keys = await goldObjects(full);
    expect(await goldObjects(step)).toEqual(keys);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    let values = 0;
    let bitEqual = 0;
    let maxDiff = 0;
    const differingFiles: string[] = [];
    try {
      for (const key of keys) {
        const [a, b] = [
          await readGold(connection, full.locate(key)),
          await readGold(connection, step.locate(key)),
        ];
        expect(b.columns, key).toEqual(a.columns);
        expect(b.rows.length, key).toBe(a.rows.length);
        expect(a.rows.length, key).toBeGreaterThan(0);
        for (const [r, row] of a.rows.entries()) {
          for (const [c, value] of row.entries()) {
            const theirs = (b.rows[r] as unknown[])[c];
            values++;
            if (typeof value === 'number' && typeof theirs === 'number' && a.columns[c]?.type === 'DOUBLE') {
              const diff = Math.abs(value - theirs);
              if (!(diff <= TOLERANCE))
                expect.fail(`${key} row ${r} ${a.columns[c]?.name}: full ${value}, incremental ${theirs}`);
              maxDiff = Math.max(maxDiff, diff);
              if (Object.is(value, theirs)) bitEqual++;
            } else if (value !== theirs) {
              expect.fail(
                `${key} row ${r} ${a.columns[c]?.name}: full ${String(value)}, incremental ${String(theirs)}`,
              );
            } else bitEqual++;
          }
        }
        const [bytesA, bytesB] = [await readFile(full.locate(key)), await readFile(step.locate(key))];
        if (!bytesA.equals(bytesB)) differingFiles.push(key);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
      await full.close();
      await step.close();
    }
    console.log(
      `incremental vs full: ${keys.length} gold objects (${keys.length - differingFiles.length} byte-identical; not: ${differingFiles.join(', ') || 'none'}), ${values} values, ${bitEqual} bit-equal, max float |Δ| ${maxDiff.toExponential(1)}`,
    );
    // Every table a run writes was compared, the all-time statistics among them.
    const tables = new Set(keys.map((k) => k.split('/')[1]));
    expect([...tables].sort()).toEqual(fullRun.tables.map((t) => t.table).sort());
    expect(tables.has('topic_statistics_all_time')).toBe(true);
  }, 300_000);
});
