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
import { loadConfig } from '../infra/config.js';
import { encodeParquet, ROW_GROUP_ROWS } from '../infra/lake/parquet-writer.js';
import { PriceWalk } from '../producers/price-walk.js';
import { TweetGenerator } from '../producers/tweet-generator.js';
import { columnsOf, type LogicalKind } from '../schemas/columns.js';
import { type BronzeTweetRow, BronzeTweetRowSchema, sentimentLabel } from '../schemas/rows.js';
import { BronzeBatcher, type BronzeRow } from '../speed-layer/bronze-batcher.js';
import { extractCashtags } from '../speed-layer/cashtags.js';
import { scoreSentiment } from '../speed-layer/sentiment/index.js';
import { report } from './harness.js';

const ROWS = 200_000;
const WRITERS = ['parquet-wasm', 'duckdb-appender', 'duckdb-json'] as const;
type Writer = (typeof WRITERS)[number];

interface ChildFigures {
  writer: Writer;
  rowsPerSecond: number;
  rowsPerCpuSecond: number;
  bytes: number;
  rows: number;
  checksum: string;
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

/**
 * The DuckDB writers: rows in through the appender (one native call per value) or as a
 * newline-delimited JSON file read by DuckDB's own multi-threaded reader, then COPY to a Parquet
 * file and its bytes read back.
 */
async function duckDbEncoder(input: 'appender' | 'json'): Promise<{
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
      const options = `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`;
      if (input === 'appender') {
        await connection.run(`CREATE TABLE ${table} (${ddl})`);
        const appender = await connection.createAppender(table);
        for (const row of rows) appendRow(appender, row);
        appender.closeSync();
        await connection.run(`COPY ${table} TO '${file}' ${options}`);
        await connection.run(`DROP TABLE ${table}`);
      } else {
        const json = join(dir, `${table}.jsonl`);
        writeFileSync(json, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
        const jsonColumns = columns
          .map((c) => `${c.name}: '${c.kind === 'timestamp' ? 'BIGINT' : DUCKDB_TYPE[c.kind]}'`)
          .join(', ');
        const timestamps = columns
          .filter((c) => c.kind === 'timestamp')
          .map((c) => `make_timestamptz(${c.name} * 1000) AS ${c.name}`)
          .join(', ');
        await connection.run(
          `COPY (SELECT * REPLACE (${timestamps}) FROM read_json('${json}', format = 'newline_delimited', columns = {${jsonColumns}})) TO '${file}' ${options}`,
        );
        rmSync(json);
      }
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

/**
 * Distinct rows in a Parquet file and a checksum of its values, read by DuckDB: every writer's
 * output must hold the same rows.
 */
async function checkRows(bytes: Uint8Array): Promise<{ rows: number; checksum: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-parquet-check-'));
  const file = join(dir, 'check.parquet');
  writeFileSync(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const result = await connection.runAndReadAll(
    `SELECT count(DISTINCT source_offset) AS n,
       concat_ws('/', sum(epoch_ms(created_at)), sum(epoch_ms(ingested_at)), sum(strlen(text)),
         sum(len(symbols)), sum(strlen(id)), round(sum(compound), 6), sum(source_offset)) AS checksum
     FROM read_parquet('${file}')`,
  );
  connection.closeSync();
  instance.closeSync();
  rmSync(dir, { recursive: true, force: true });
  const row = result.getRowObjectsJS()[0];
  return { rows: Number(row?.n), checksum: String(row?.checksum) };
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
    const duck = await duckDbEncoder(writer === 'duckdb-appender' ? 'appender' : 'json');
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
    ...(await checkRows(measured.bytes)),
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

/**
 * Bronze objects the batcher closes in one hour at the configured defaults, on the synthetic feed
 * (2 s jitter, 3 % late rows up to 3 min behind), processing time = the event's nominal time.
 * Tweets are spread over the partitions as keying by id does (evenly); ticks at 5/s.
 */
function objectsPerHour(tweetsPerSecond: number, startMs: number) {
  const { bronze } = loadConfig({});
  const partitions = 3;
  const timeline = (ratePerSecond: number) =>
    ({ clock: 'virtual', startMs, ratePerSecond, jitterMs: 2000, lateRatio: 0.03 }) as const;
  const count = (
    dataset: 'tweets' | 'stock_prices',
    rate: number,
    next: () => { at: number; nominal: number },
  ) => {
    const batchers = Array.from(
      { length: partitions },
      (_, partition) => new BronzeBatcher({ dataset, partition, ...bronze, newRows: () => [] }),
    );
    const offsets = new Array<number>(partitions).fill(0);
    let objects = 0;
    let rows = 0;
    for (let i = 0; i < rate * 3600; i++) {
      const { at, nominal } = next();
      const partition = i % partitions;
      const offset = offsets[partition] as number;
      offsets[partition] = offset + 1;
      const row = { created_at: at, trade_timestamp: at, source_partition: partition, source_offset: offset };
      for (const closed of (batchers[partition] as BronzeBatcher).add(row as unknown as BronzeRow, nominal)) {
        objects++;
        rows += closed.rows.length;
      }
    }
    // The objects still open at the end of the hour are the next hour's; count the closed ones.
    return { objects, rowsPerObject: rows / Math.max(objects, 1) };
  };
  const tweets = new TweetGenerator({ seed: 1, timeline: timeline(tweetsPerSecond) });
  const walk = new PriceWalk({ seed: 1, timeline: timeline(TICKS_PER_SECOND) });
  const nextTweet = () => {
    const nominal = tweets.peekNominal();
    return { nominal, at: tweets.next().created_at };
  };
  const nextTick = () => {
    const nominal = walk.peekNominal();
    return { nominal, at: walk.next().trade_timestamp };
  };
  return {
    tweets: count('tweets', tweetsPerSecond, nextTweet),
    ticks: count('stock_prices', TICKS_PER_SECOND, nextTick),
  };
}

const TICKS_PER_SECOND = 5;

function reportObjectsPerHour(): void {
  const hours = [
    { label: 'an ordinary hour', start: Date.UTC(2025, 0, 6, 14, 0) },
    { label: 'the hour across midnight', start: Date.UTC(2025, 0, 6, 23, 30) },
  ];
  const comparisons = [20, 1000].flatMap((rate) =>
    hours.map(({ label, start }) => {
      const { tweets, ticks } = objectsPerHour(rate, start);
      return {
        subject: {
          name: `${rate} tweets/s + ${TICKS_PER_SECOND} ticks/s, ${label}: bronze objects (tweets ${tweets.objects} of ~${Math.round(tweets.rowsPerObject)} rows, ticks ${ticks.objects} of ~${Math.round(ticks.rowsPerObject)})`,
          value: tweets.objects + ticks.objects,
          unit: 'objects/h, 3 partitions',
          better: 'lower' as const,
        },
      };
    }),
  );
  report(
    'Bronze objects per hour at the defaults (BRONZE_MAX_ROWS, BRONZE_MAX_SPAN, BRONZE_MAX_AGE)',
    comparisons,
  );
}

const asked = process.argv[2] as Writer | undefined;
if (asked && WRITERS.includes(asked)) {
  await child(asked);
} else if ((asked as string) === 'objects') {
  reportObjectsPerHour(); // the object-boundary figures alone
} else {
  const [wasm, ...ducks] = WRITERS.map(runChild) as [ChildFigures, ...ChildFigures[]];
  for (const f of [wasm, ...ducks]) {
    if (f.rows !== ROWS) throw new Error(`${f.writer} wrote ${f.rows} distinct rows, not ${ROWS}`);
    if (f.checksum !== wasm.checksum)
      throw new Error(`${f.writer} wrote other values: ${f.checksum} ≠ ${wasm.checksum}`);
  }
  const NAMES: Record<Writer, string> = {
    'parquet-wasm': 'parquet-wasm 0.8 + apache-arrow 21 (product)',
    'duckdb-appender': 'DuckDB 1.5 appender + COPY',
    'duckdb-json': 'DuckDB 1.5 read_json + COPY',
  };
  type Measure = { label: string; unit: string; better: 'higher' | 'lower'; of: (f: ChildFigures) => number };
  const measures: Measure[] = [
    { label: 'encode', unit: 'rows/s', better: 'higher', of: (f) => f.rowsPerSecond },
    { label: 'encode', unit: 'rows/CPU-s', better: 'higher', of: (f) => f.rowsPerCpuSecond },
    { label: 'file', unit: 'bytes/row', better: 'lower', of: (f) => f.bytes / ROWS },
    { label: 'peak RSS', unit: 'MiB', better: 'lower', of: (f) => f.peakRssMb },
    {
      label: 'peak RSS above the rows',
      unit: 'MiB',
      better: 'lower',
      of: (f) => f.peakRssMb - f.rssAfterRowsMb,
    },
  ];
  const figure = (f: ChildFigures, m: Measure, label = true) => ({
    name: label ? `${NAMES[f.writer]} ${m.label}` : NAMES[f.writer],
    value: m.of(f),
    unit: m.unit,
    better: m.better,
  });
  report(
    `Bronze Parquet writers: ${ROWS.toLocaleString('en-US')} scored tweet rows, zstd, ${ROW_GROUP_ROWS}-row groups`,
    measures.flatMap((m) =>
      ducks.map((duck) => ({ subject: figure(wasm, m), baseline: figure(duck, m, false) })),
    ),
  );
  reportObjectsPerHour();
}
