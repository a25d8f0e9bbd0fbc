/**
 * The batch layer on a generated lake (bench/batch-lake.ts; BENCH_BATCH_TWEETS, default 10
 * million, over BENCH_BATCH_DAYS, default 60): `sentiment batch run` as a user starts it, each run
 * in its own process, timed by /usr/bin/time (wall seconds and the peak RSS of the largest
 * process of the run).
 *
 *  1. DuckDB, full recompute: the first scheduled run on the lake computes every day;
 *  2. DuckDB, incremental: the last hour's bronze added, the next scheduled run (also reported as
 *     the run's own seconds from its manifest, as `batch schedule` runs it in its process);
 *  3. the Spark engine (`--engine spark`, SPARK_MASTER local[2]) on the same files, when the CLI
 *     has it (BENCH_BATCH_SPARK=0 skips it); then the agreement check: the same row count in
 *     every gold table.
 *
 * Each engine works on its own copy of the lake (hard links to the cached bronze).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { type BatchLakeSpec, batchLake, batchLakeDir } from './batch-lake.js';
import { report } from './harness.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name}: expected a positive integer, got ${raw}`);
  return n;
};

const spec: BatchLakeSpec = {
  tweets: env('BENCH_BATCH_TWEETS', 10_000_000),
  days: env('BENCH_BATCH_DAYS', 60),
  tickSeconds: 30,
  partitions: 3,
  maxSpanMs: 3_600_000,
  startMs: Date.UTC(2026, 8, 1),
};
const log = (line: string) => process.stdout.write(`${line}\n`);

interface RunFigures {
  seconds: number;
  peakMiB: number;
  output: string;
  ok: boolean;
}

/** `sentiment batch run ...` on `lakeDir` in a child process under /usr/bin/time. */
function batchRun(lakeDir: string, args: string[]): RunFigures {
  const timing = join(dirname(lakeDir), 'time.txt');
  const result = spawnSync(
    '/usr/bin/time',
    [
      '-f',
      '%e %M',
      '-o',
      timing,
      process.execPath,
      join(root, 'bin', 'sentiment.js'),
      'batch',
      'run',
      ...args,
    ],
    {
      cwd: dirname(lakeDir),
      encoding: 'utf8',
      // Only what the run needs: no S3 or Kafka variables of the calling shell, the embedded lake.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        LAKE_DIR: lakeDir,
        LOG_LEVEL: 'warn',
        ...(process.env.SPARK_MASTER ? { SPARK_MASTER: process.env.SPARK_MASTER } : {}),
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const [seconds, kib] = readFileSync(timing, 'utf8').trim().split('\n').at(-1)?.split(' ').map(Number) ?? [];
  return {
    seconds: seconds ?? Number.NaN,
    peakMiB: (kib ?? Number.NaN) / 1024,
    output: `${result.stdout}${result.stderr}`,
    ok: result.status === 0,
  };
}

/** A fresh lake folder holding `from`'s files as hard links (the cached bronze is never written). */
async function linkedLake(name: string, from: string): Promise<string> {
  const dir = join(batchLakeDir(spec), 'work', name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const lakeDir = join(dir, 'lake');
  execFileSync('cp', ['-al', from, lakeDir]);
  return lakeDir;
}

/**
 * The latest run's own seconds (its manifest's, from lock to pointer): what a run inside the
 * long-lived `batch schedule` process takes, without the CLI process's start.
 */
function inRunSeconds(lakeDir: string): number {
  const pointer = JSON.parse(readFileSync(join(lakeDir, 'gold', '_runs', 'latest.json'), 'utf8')) as {
    key: string;
  };
  return (JSON.parse(readFileSync(join(lakeDir, ...pointer.key.split('/')), 'utf8')) as { seconds: number })
    .seconds;
}

/** Adds `from`'s files to the lake (new objects; progress records replaced). */
async function addFiles(from: string, lakeDir: string): Promise<void> {
  await cp(from, lakeDir, { recursive: true, force: true });
}

async function goldRowCounts(lakeDir: string): Promise<Map<string, number>> {
  const gold = join(lakeDir, 'gold');
  const tables = (await readdir(gold)).filter((t) => !t.startsWith('_')).sort();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const counts = new Map<string, number>();
  try {
    for (const table of tables) {
      const result = await connection.runAndReadAll(
        `SELECT count(*) AS n FROM read_parquet('${join(gold, table)}/**/*.parquet', hive_partitioning = false)`,
      );
      counts.set(table, Number(result.getRowObjectsJS()[0]?.n ?? 0));
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return counts;
}

const sparkAvailable = (): boolean => {
  const help = spawnSync(process.execPath, [join(root, 'bin', 'sentiment.js'), 'batch', 'run', '--help'], {
    encoding: 'utf8',
  });
  return help.stdout.includes('--engine');
};

/** The run's own account: its per-table lines, for the reader of the bench output. */
const runLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('  ') || l.startsWith('batch '))
    .join('\n');

const lake = await batchLake(spec, log);
log(
  `lake: ${spec.tweets} tweets, ${lake.ticks} ticks over ${spec.days} days (${lake.firstDay} .. ${lake.lastDay}), ${lake.tweetObjects} + ${lake.tickObjects} bronze objects`,
);

const duckLake = await linkedLake('duckdb', lake.baseDir);
const full = batchRun(duckLake, []);
log(runLines(full.output));
if (!full.ok) throw new Error(`DuckDB full recompute failed:\n${full.output}`);
const duckCounts = await goldRowCounts(duckLake);
const fullInRun = inRunSeconds(duckLake);

await addFiles(lake.extraDir, duckLake);
const incremental = batchRun(duckLake, []);
log(runLines(incremental.output));
if (!incremental.ok) throw new Error(`DuckDB incremental run failed:\n${incremental.output}`);
const incrementalInRun = inRunSeconds(duckLake);

let spark: RunFigures | undefined;
let agreement = 'not checked: the Spark engine did not run';
if (process.env.BENCH_BATCH_SPARK === '0') {
  log('Spark engine: skipped (BENCH_BATCH_SPARK=0)');
} else if (!sparkAvailable()) {
  log('Spark engine: not available (`sentiment batch run` has no --engine yet)');
} else {
  const sparkLake = await linkedLake('spark', lake.baseDir);
  spark = batchRun(sparkLake, ['--engine', 'spark']);
  log(runLines(spark.output));
  if (!spark.ok) {
    log(`Spark engine: the run failed\n${spark.output.slice(-4000)}`);
    spark = undefined;
  } else {
    const sparkCounts = await goldRowCounts(sparkLake);
    const tables = [...new Set([...duckCounts.keys(), ...sparkCounts.keys()])].sort();
    const differ = tables.filter((t) => duckCounts.get(t) !== sparkCounts.get(t));
    for (const t of tables)
      log(`  rows ${t}: duckdb ${duckCounts.get(t) ?? '-'}, spark ${sparkCounts.get(t) ?? '-'}`);
    agreement =
      differ.length === 0
        ? `row counts equal in all ${tables.length} gold tables`
        : `row counts differ in ${differ.join(', ')}`;
  }
}

const figure = (name: string, value: number, unit: string) => ({
  name,
  value,
  unit,
  better: 'lower' as const,
});
report(
  `Batch layer: ${spec.tweets.toLocaleString('en-US')} tweets, ${lake.ticks.toLocaleString('en-US')} ticks, ${spec.days} days`,
  [
    {
      subject: figure('DuckDB full recompute', full.seconds, 's'),
      ...(spark ? { baseline: figure('Spark engine full recompute (local[2])', spark.seconds, 's') } : {}),
      target: '>= 5x faster than Spark',
    },
    {
      subject: figure('DuckDB full recompute peak RSS', full.peakMiB, 'MiB'),
      ...(spark ? { baseline: figure('Spark engine peak RSS (largest process)', spark.peakMiB, 'MiB') } : {}),
      target: '< 2048 MiB',
    },
    {
      subject: figure('DuckDB incremental run (one new hour)', incremental.seconds, 's'),
      baseline: figure('DuckDB full recompute', full.seconds, 's'),
      target: `< 5 % of the full recompute (${(0.05 * full.seconds).toFixed(2)} s)`,
    },
    {
      subject: figure('DuckDB incremental run in the scheduler (no process start)', incrementalInRun, 's'),
      baseline: figure('DuckDB full recompute in the scheduler', fullInRun, 's'),
      target: `< 5 % of the full recompute (${(0.05 * fullInRun).toFixed(2)} s)`,
    },
    { subject: figure('DuckDB incremental run peak RSS', incremental.peakMiB, 'MiB') },
  ],
);
log(
  `incremental / full: ${((100 * incremental.seconds) / full.seconds).toFixed(1)} % (processes), ${((100 * incrementalInRun) / fullInRun).toFixed(1)} % (in the scheduler)`,
);
log(`agreement: ${agreement}`);
if (!existsSync(join(duckLake, 'gold', '_runs', 'latest.json')))
  throw new Error('no latest.json after the runs');
