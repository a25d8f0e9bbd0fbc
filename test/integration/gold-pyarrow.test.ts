/**
 * What a data scientist gets: a batch run over bronze in MinIO, then pyarrow alone (installed with
 * pip by batch-layer/spark/setup.sh, the project's cached venv) reads every gold object the run
 * wrote and a bronze partition from the bucket. Its schemas (column names and Arrow types) and row
 * counts must be what our code wrote: the manifest's rows per partition, the columns DuckDB finds
 * in the same objects, and the bronze row schema of schemas/rows.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../batch-layer/batch-run.js';
import { loadConfig } from '../../infra/config.js';
import { S3ObjectStore } from '../../infra/lake/s3-object-store.js';
import { columnsOf, type LogicalKind } from '../../schemas/columns.js';
import { BRONZE_DATASETS } from '../../schemas/lake.js';
import { GENERATED_DAYS, generateBronze, putGeneratedBronze } from './generated-bronze.js';

const config = loadConfig(process.env);
if (!config.s3?.endpoint || !config.s3.accessKeyId)
  throw new Error('S3_* is not set: run through `npm run test:integration`');
const s3 = config.s3;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Arrow type pyarrow reads for a column DuckDB describes as this (the types gold uses). */
const ARROW_OF_DUCKDB: Record<string, string> = {
  VARCHAR: 'string',
  DOUBLE: 'double',
  BIGINT: 'int64',
  INTEGER: 'int32',
  BOOLEAN: 'bool',
  'TIMESTAMP WITH TIME ZONE': 'timestamp[us, tz=UTC]',
};

/** The Arrow type of a bronze column of each kind (the speed layer's Parquet writer). */
const ARROW_OF_KIND: Record<LogicalKind, string> = {
  text: 'string',
  double: 'double',
  bigint: 'int64',
  int: 'int32',
  boolean: 'bool',
  timestamp: 'timestamp[ms, tz=UTC]',
  date: 'date32[day]',
  'text-list': 'list<element: string not null>',
};

interface Described {
  columns: { name: string; type: string }[];
  rows: number;
}

describe('reading the lake with pyarrow', () => {
  let store: S3ObjectStore;
  let dir: string;
  let python: string;
  const bucket = `it-pyarrow-${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    // The project's own install (cached: a second call only checks it).
    const setup = spawnSync('bash', [join(root, 'batch-layer', 'spark', 'setup.sh')], { encoding: 'utf8' });
    if (setup.status !== 0) throw new Error(`batch-layer/spark/setup.sh failed: ${setup.stderr}`);
    python = join(setup.stdout.trim().split('\n').at(-1) as string, 'bin', 'python');
    dir = await mkdtemp(join(tmpdir(), 'gold-pyarrow-'));
    store = new S3ObjectStore({ ...s3, bucket });
    await store.ensureBucket();
  });
  afterAll(async () => {
    for await (const o of store.list('')) await store.delete(o.key);
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds every gold table and a bronze partition with the schema and row counts the run wrote', async () => {
    const bronze = generateBronze(300);
    await putGeneratedBronze(store, bronze);
    const manifest = await runBatch({ store, cacheDir: join(dir, 'cache') });
    const partitions = manifest.tables.flatMap((t) => t.partitions);
    expect(new Set(manifest.tables.filter((t) => t.rows > 0).map((t) => t.table)).size).toBe(
      manifest.tables.length,
    );

    const day = GENERATED_DAYS[1] as string;
    const read = spawnSync(
      python,
      [
        join(root, 'test', 'integration', 'pyarrow_read_lake.py'),
        s3.endpoint as string,
        bucket,
        'tweets',
        day,
        ...partitions.map((p) => p.key),
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: s3.accessKeyId,
          AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
          AWS_REGION: s3.region,
        },
      },
    );
    if (read.status !== 0) throw new Error(`pyarrow read failed: ${read.stderr}`);
    const found = JSON.parse(read.stdout) as { gold: Record<string, Described>; bronze: Described };

    // Gold: the rows the manifest says, the columns DuckDB finds in the same object.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      for (const partition of partitions) {
        const seen = found.gold[partition.key];
        expect(seen?.rows, partition.key).toBe(partition.rows);
        const file = join(dir, 'object.parquet');
        await writeFile(file, (await store.get(partition.key)) ?? new Uint8Array());
        const described = await connection.runAndReadAll(
          `DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`,
        );
        const written = described.getRowObjectsJS().map((r) => ({
          name: String(r.column_name),
          type: ARROW_OF_DUCKDB[String(r.column_type)] ?? `unexpected ${String(r.column_type)}`,
        }));
        expect(seen?.columns, partition.key).toEqual(written);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const hourly = found.gold[`gold/sentiment_hourly/date=${day}/part-00000.parquet`];
    expect(hourly?.columns.slice(0, 3)).toEqual([
      { name: 'symbol', type: 'string' },
      { name: 'hour', type: 'timestamp[us, tz=UTC]' },
      { name: 'tweets', type: 'int64' },
    ]);

    // Bronze: the row schema of schemas/rows.ts (plus `date` from the path, which pyarrow's hive
    // partitioning reads as text), every row put there.
    const rowsPut = bronze.tweets.filter((o) => o.day === day).reduce((n, o) => n + o.rows.length, 0);
    expect(found.bronze.rows).toBe(rowsPut);
    expect(found.bronze.columns).toEqual([
      ...columnsOf(BRONZE_DATASETS.tweets.schema).map((c) => ({ name: c.name, type: ARROW_OF_KIND[c.kind] })),
      { name: 'date', type: 'string' },
    ]);
  });
});
