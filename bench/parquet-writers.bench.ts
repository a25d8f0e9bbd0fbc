/**
 * Bronze Parquet writers: our product path (`infra/lake/parquet-writer.ts`: apache-arrow columns,
 * parquet-wasm encoding) against DuckDB (@duckdb/node-api: an appender into an in-memory table,
 * then COPY … TO a temporary file, FORMAT parquet, COMPRESSION zstd, read back), on the same
 * 200,000 bronze tweet rows: synthetic tweets (producers/tweet-generator.ts) scored with our VADER
 * and cashtag extractor, what one full bronze object (BRONZE_MAX_ROWS) holds.
 *
 * Each writer runs in its own child process so that its peak RSS is its own; the child reports the
 * RSS after building the rows too, so the writer's share is the difference.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  LIST,
  listValue,
  timestampTZValue,
  VARCHAR,
} from '@duckdb/node-api';
import { encodeParquet, ROW_GROUP_ROWS } from '../infra/lake/parquet-writer.js';
import { TweetGenerator } from '../producers/tweet-generator.js';
import { columnsOf, type LogicalKind } from '../schemas/columns.js';
import { type BronzeTweetRow, BronzeTweetRowSchema, sentimentLabel } from '../schemas/rows.js';
import { extractCashtags } from '../speed-layer/cashtags.js';
import { scoreSentiment } from '../speed-layer/sentiment/index.js';
import { report } from './harness.js';

const ROWS = 200_000;
const WRITERS = ['parquet-wasm', 'duckdb'] as const;
type Writer = (typeof WRITERS)[number];

interface ChildFigures {
  writer: Writer;
  rowsPerSecond: number;
  rowsPerCpuSecond: number;
  bytes: number;
  rowsCheck: number;
  rssAfterRowsMb: number;
  peakRssMb: number;
}

function bronzeTweets(count: number): BronzeTweetRow[] {
  const generator = new TweetGenerator({
    seed: 1,
    timeline: { clock: 'virtual', ratePerSecond: 1000, jitterMs: 2000, lateRatio: 0.03 },
  });
  return Array.from({ length: count }, (_, i) => {
    const tweet = generator.next();
    const scores = scoreSentiment(tweet.text);
    return {
      ...tweet,
      symbols: extractCashtags(tweet.text),
      compound: scores.compound,
      pos: scores.pos,
      neu: scores.neu,
      neg: scores.neg,
      label: sentimentLabel(scores.compound),
      source_partition: 0,
      source_offset: 1_000_000 + i,
      ingested_at: tweet.created_at + 40,
    };
  });
}

const DUCKDB_TYPE: Record<LogicalKind, string> = {
  text: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  int: 'INTEGER',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMPTZ', // microseconds: DuckDB has no millisecond UTC timestamp type
  date: 'DATE',
  'text-list': 'VARCHAR[]',
};

const TEXT_LIST = LIST(VARCHAR);

/** The DuckDB writer: appender, COPY to a file, the file's bytes. */
async function duckDbEncoder(): Promise<{
  encode: (rows: BronzeTweetRow[]) => Promise<Uint8Array>;
  close: () => void;
}> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await instance.connect();
  const dir = mkdtempSync(join(tmpdir(), 'bench-duckdb-parquet-'));
  const columns = columnsOf(BronzeTweetRowSchema);
  const ddl = columns.map((c) => `"${c.name}" ${DUCKDB_TYPE[c.kind]} NOT NULL`).join(', ');
  const appendRow = (appender: DuckDBAppender, row: BronzeTweetRow) => {
    appender.appendVarchar(row.id);
    appender.appendTimestampTZ(timestampTZValue(BigInt(row.created_at) * 1000n));
    appender.appendVarchar(row.text);
    appender.appendVarchar(row.user_id);
    appender.appendList(listValue(row.symbols), TEXT_LIST);
    appender.appendDouble(row.compound);
    appender.appendDouble(row.pos);
    appender.appendDouble(row.neu);
    appender.appendDouble(row.neg);
    appender.appendVarchar(row.label);
    appender.appendInteger(row.source_partition);
    appender.appendBigInt(BigInt(row.source_offset));
    appender.appendTimestampTZ(timestampTZValue(BigInt(row.ingested_at) * 1000n));
    appender.endRow();
  };
  if (columns.length !== 13)
    throw new Error('bench: the DuckDB appender below lists 13 tweet columns; update it');
  let n = 0;
  return {
    async encode(rows) {
      const table = `bronze_${n}`;
      const file = join(dir, `${n++}.parquet`);
      await connection.run(`CREATE TABLE ${table} (${ddl})`);
      const appender = await connection.createAppender(table);
      for (const row of rows) appendRow(appender, row);
      appender.closeSync();
      await connection.run(
        `COPY ${table} TO '${file}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
      );
      await connection.run(`DROP TABLE ${table}`);
      const bytes = readFileSync(file);
      rmSync(file);
      return bytes;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rows in a Parquet file, counted by DuckDB: both writers' output must hold every row. */
async function countRows(bytes: Uint8Array): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-parquet-check-'));
  const file = join(dir, 'check.parquet');
  writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const result = await connection.runAndReadAll(
    `SELECT count(DISTINCT source_offset) AS n FROM read_parquet('${file}')`,
  );
  connection.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
  return Number(result.getRowObjectsJS()[0]?.n);
}

const mb = (bytes: number) => bytes / 2 ** 20;

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Rows per second of wall time and per second of CPU time (all threads: DuckDB's COPY may use
 * both cores) over `runs` encodes after one warm-up. CPU time is the steadier figure when the
 * machine is shared.
 */
async function measureEncode(encode: () => Promise<Uint8Array>, runs: number) {
  let bytes = await encode();
  const wall = performance.now();
  const cpu = cpuMs();
  for (let i = 0; i < runs; i++) bytes = await encode();
  const seconds = (performance.now() - wall) / 1000;
  const cpuSeconds = (cpuMs() - cpu) / 1000;
  return { bytes, rowsPerSecond: (runs * ROWS) / seconds, rowsPerCpuSecond: (runs * ROWS) / cpuSeconds };
}

async function child(writer: Writer): Promise<void> {
  const rows = bronzeTweets(ROWS);
  const rssAfterRowsMb = mb(process.memoryUsage().rss);
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  let measured: Awaited<ReturnType<typeof measureEncode>>;
  if (writer === 'parquet-wasm') {
    measured = await measureEncode(async () => encodeParquet(BronzeTweetRowSchema, rows), runs);
  } else {
    const duck = await duckDbEncoder();
    measured = await measureEncode(() => duck.encode(rows), runs);
    duck.close();
  }
  // maxRSS is in KiB: the process's peak resident set, rows included.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  const figures: ChildFigures = {
    writer,
    rowsPerSecond: measured.rowsPerSecond,
    rowsPerCpuSecond: measured.rowsPerCpuSecond,
    bytes: measured.bytes.length,
    rowsCheck: await countRows(measured.bytes),
    rssAfterRowsMb,
    peakRssMb,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function runChild(writer: Writer): ChildFigures {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, writer], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bench child ${writer} failed:\n${result.stderr}`);
  const line = result.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as ChildFigures;
}

const asked = process.argv[2] as Writer | undefined;
if (asked && WRITERS.includes(asked)) {
  await child(asked);
} else {
  const [wasm, duck] = WRITERS.map(runChild) as [ChildFigures, ChildFigures];
  for (const f of [wasm, duck])
    if (f.rowsCheck !== ROWS) throw new Error(`${f.writer} wrote ${f.rowsCheck} distinct rows, not ${ROWS}`);
  const name = (f: ChildFigures) =>
    f.writer === 'parquet-wasm' ? 'parquet-wasm 0.8 + apache-arrow 21' : 'DuckDB 1.5 appender + COPY';
  report(
    `Bronze Parquet writers: ${ROWS.toLocaleString('en-US')} scored tweet rows, zstd, ${ROW_GROUP_ROWS}-row groups`,
    [
      {
        subject: {
          name: `${name(wasm)} (product)`,
          value: wasm.rowsPerSecond,
          unit: 'rows/s',
          better: 'higher',
        },
        baseline: { name: name(duck), value: duck.rowsPerSecond, unit: 'rows/s', better: 'higher' },
      },
      {
        subject: {
          name: `${name(wasm)} (product)`,
          value: wasm.rowsPerCpuSecond,
          unit: 'rows/CPU-s',
          better: 'higher',
        },
        baseline: { name: name(duck), value: duck.rowsPerCpuSecond, unit: 'rows/CPU-s', better: 'higher' },
      },
      {
        subject: { name: `${name(wasm)} file`, value: wasm.bytes / ROWS, unit: 'bytes/row', better: 'lower' },
        baseline: { name: name(duck), value: duck.bytes / ROWS, unit: 'bytes/row', better: 'lower' },
      },
      {
        subject: { name: `${name(wasm)} peak RSS`, value: wasm.peakRssMb, unit: 'MiB', better: 'lower' },
        baseline: { name: name(duck), value: duck.peakRssMb, unit: 'MiB', better: 'lower' },
      },
      {
        subject: {
          name: `${name(wasm)} peak RSS above the rows`,
          value: wasm.peakRssMb - wasm.rssAfterRowsMb,
          unit: 'MiB',
          better: 'lower',
        },
        baseline: {
          name: name(duck),
          value: duck.peakRssMb - duck.rssAfterRowsMb,
          unit: 'MiB',
          better: 'lower',
        },
      },
    ],
  );
}
