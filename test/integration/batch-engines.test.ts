/**
 * The DuckDB and Spark engines agree: the same models over the same generated bronze (a few
 * thousand tweets over several symbols, days and hours, a retried tweet id, retried ticks, late
 * rows in the next day's objects, a corrupt object, one of another schema and one with an extra
 * column) give the same gold and skip the same objects. Every table and every partition is compared:
 * the same objects, the same column names and types, row counts exact, every value equal (floats
 * within 1e-9; quantiles are exact and linearly interpolated on both engines, so they are held to
 * it too). Spark runs through `batch-layer/spark/setup.sh`'s toolchain (.ci/run installs it).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../batch-layer/batch-run.js';
import type { RunManifest } from '../../batch-layer/run-manifest.js';
import { SparkEngine } from '../../batch-layer/spark-engine.js';
import { loadConfig } from '../../infra/config.js';
import { LocalObjectStore } from '../../infra/lake/local-object-store.js';
import { GENERATED_DAYS, generateBronze, putGeneratedBronze, putOddBronze } from './generated-bronze.js';

const config = loadConfig(process.env);
const TOLERANCE = 1e-9;

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
    const runs: Record<string, { manifest: RunManifest; store: LocalObjectStore; seconds: number }> = {};
    let skipped: string[] = [];
    for (const engine of ['duckdb', 'spark'] as const) {
      const store = await LocalObjectStore.open(join(dir, engine));
      await putGeneratedBronze(store, bronze);
      skipped = await putOddBronze(store, GENERATED_DAYS[1] as string, 'MSFT');
      const started = Date.now();
      const manifest = await runBatch({
        store,
        cacheDir: join(dir, 'cache'),
        ...(engine === 'spark'
          ? {
              openEngine: () =>
                SparkEngine.open({
                  sparkSubmit: config.spark.submit,
                  master: config.spark.master,
                  driverMemory: config.spark.driverMemory,
                }),
            }
          : {}),
      });
      runs[engine] = { manifest, store, seconds: (Date.now() - started) / 1000 };
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
    const duckParts = partitionsOf(duck.manifest);
    const sparkParts = partitionsOf(spark.manifest);
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
