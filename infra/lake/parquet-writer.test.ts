import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrowSchemaOf } from '../../schemas/lake.js';
import {
  type BronzeTickRow,
  BronzeTickRowSchema,
  type BronzeTweetRow,
  BronzeTweetRowSchema,
  type TickRow,
  TickRowSchema,
  type TweetBySymbolRow,
  TweetBySymbolRowSchema,
} from '../../schemas/rows.js';
import { encodeParquet, ParquetRows, ROW_GROUP_ROWS } from './parquet-writer.js';

const T0 = Date.UTC(2025, 0, 6, 14, 30, 0, 123);

const tweets: BronzeTweetRow[] = [
  {
    id: '1876543210987654321', // above 2^53: only a string keeps every digit
    created_at: T0,
    text: 'Not bad at all $AAPL 😍 and $BRK.B 👍🏽 — 株価 上昇 ñandú é',
    user_id: '9007199254740993',
    symbols: ['AAPL', 'BRK.B'],
    compound: 0.705,
    pos: 0.455,
    neu: 0.545,
    neg: 0,
    label: 'positive',
    source_partition: 2,
    source_offset: 2 ** 40 + 1,
    ingested_at: T0 + 1500,
  },
  {
    id: '1876543210987654322',
    created_at: T0 + 1,
    text: 'Apple earnings call tonight, no cashtag here',
    user_id: '42',
    symbols: [],
    compound: 0,
    pos: 0,
    neu: 1,
    neg: 0,
    label: 'neutral',
    source_partition: 2,
    source_offset: 2 ** 40 + 2,
    ingested_at: T0 + 1501,
  },
  {
    id: '3',
    created_at: Date.UTC(1999, 11, 31, 23, 59, 59, 999),
    text: '',
    user_id: '',
    symbols: ['TSLA'],
    compound: -0.9999,
    pos: 0,
    neu: 0.1,
    neg: 0.9,
    label: 'negative',
    source_partition: 0,
    source_offset: 0,
    ingested_at: T0,
  },
];

const ticks: BronzeTickRow[] = [
  {
    symbol: 'BTC',
    trade_timestamp: T0,
    open_price: 97_000.5,
    high_price: 97_100.25,
    low_price: 96_900,
    close_price: 97_050.125,
    volume: 1.5e-8,
    source_partition: 1,
    source_offset: 17,
    ingested_at: T0 + 5,
  },
  {
    symbol: 'AAPL',
    trade_timestamp: -1, // before the epoch: negative int64
    open_price: -0,
    high_price: Number.MAX_VALUE,
    low_price: Number.MIN_VALUE,
    close_price: 1,
    volume: 0,
    source_partition: 1023,
    source_offset: Number.MAX_SAFE_INTEGER,
    ingested_at: 2 ** 32, // exactly one unit of the upper 32-bit half
  },
];

let dir: string;
let instance: DuckDBInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parquet-writer-'));
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => {
  instance?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

let fileCount = 0;
function fileOf(bytes: Uint8Array): string {
  const path = join(dir, `f${fileCount++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

/** A row as DuckDB reads it, back in our row shape (epoch ms numbers, plain arrays). */
function fromDuckDb(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
}

describe('encodeParquet', () => {
  it('round-trips bronze tweets through DuckDB: big ids as strings, unicode, empty symbol lists', async () => {
    const path = fileOf(encodeParquet(BronzeTweetRowSchema, tweets));
    const rows = await query(
      `SELECT * REPLACE (epoch_ms(created_at) AS created_at, epoch_ms(ingested_at) AS ingested_at)
       FROM read_parquet('${path}') ORDER BY source_partition DESC, source_offset`,
    );
    expect(rows.map(fromDuckDb)).toEqual([tweets[0], tweets[1], tweets[2]]);
  });

  it('keeps every symbol when the lists hold more elements than there are rows', async () => {
    const many = Array.from({ length: 40 }, (_, i) => ({
      ...(tweets[0] as BronzeTweetRow),
      source_offset: i,
      symbols: Array.from({ length: i % 7 }, (_, k) => `S${i}X${k}`),
    }));
    const path = fileOf(encodeParquet(BronzeTweetRowSchema, many));
    const rows = await query(`SELECT symbols FROM read_parquet('${path}') ORDER BY source_offset`);
    expect(rows.map((r) => r.symbols)).toEqual(many.map((t) => t.symbols));
  });

  it('round-trips bronze ticks and date columns', async () => {
    const tickPath = fileOf(encodeParquet(BronzeTickRowSchema, ticks));
    const tickRows = await query(
      `SELECT * REPLACE (epoch_ms(trade_timestamp) AS trade_timestamp, epoch_ms(ingested_at) AS ingested_at)
       FROM read_parquet('${tickPath}')`,
    );
    expect(tickRows.map(fromDuckDb)).toEqual(ticks);

    const dayRows: TickRow[] = [
      { ...(ticks[0] as BronzeTickRow), day: '2025-01-06' },
      { ...(ticks[0] as BronzeTickRow), day: '1970-01-01' },
    ].map(({ source_partition, source_offset, ingested_at, ...row }) => row);
    const dayPath = fileOf(encodeParquet(TickRowSchema, dayRows));
    const days = await query(
      `SELECT CAST(day AS VARCHAR) AS day, typeof(day) AS type FROM read_parquet('${dayPath}')`,
    );
    expect(days).toEqual([
      { day: '2025-01-06', type: 'DATE' },
      { day: '1970-01-01', type: 'DATE' },
    ]);
  });

  it('writes the Parquet types every reader maps back: UTC millisecond timestamps, LIST<UTF8>, INT64 offsets', async () => {
    const path = fileOf(encodeParquet(BronzeTweetRowSchema, tweets));
    const schema = await query(
      `SELECT name, type, logical_type FROM parquet_schema('${path}') WHERE name <> 'arrow_schema'`,
    );
    const byName = new Map(schema.map((r) => [r.name, r]));
    expect(byName.get('created_at')).toMatchObject({ type: 'INT64' });
    expect(String(byName.get('created_at')?.logical_type)).toMatch(
      /TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(MILLIS/,
    );
    expect(String(byName.get('symbols')?.logical_type)).toMatch(/ListType/);
    expect(byName.get('element')).toMatchObject({ type: 'BYTE_ARRAY' });
    expect(String(byName.get('id')?.logical_type)).toMatch(/StringType/);
    expect(byName.get('source_offset')).toMatchObject({ type: 'INT64' });
    expect(byName.get('source_partition')).toMatchObject({ type: 'INT32' });
    expect(byName.get('compound')).toMatchObject({ type: 'DOUBLE' });
    const types = await query(
      `SELECT typeof(created_at) AS created_at, typeof(symbols) AS symbols FROM read_parquet('${path}') LIMIT 1`,
    );
    expect(types).toEqual([{ created_at: 'TIMESTAMP WITH TIME ZONE', symbols: 'VARCHAR[]' }]);
  });

  it('compresses with zstd and records min/max statistics for every column chunk', async () => {
    const path = fileOf(encodeParquet(BronzeTweetRowSchema, tweets));
    const chunks = await query(
      `SELECT path_in_schema AS column, compression, stats_min_value, stats_max_value
       FROM parquet_metadata('${path}')`,
    );
    expect(chunks.length).toBe(BronzeTweetRowSchema.required.length);
    for (const chunk of chunks) {
      expect(chunk.compression).toBe('ZSTD');
      expect(chunk.stats_min_value, String(chunk.column)).not.toBeNull();
      expect(chunk.stats_max_value, String(chunk.column)).not.toBeNull();
    }
    const created = chunks.find((c) => c.column === 'created_at');
    // DuckDB prints timestamp statistics as `YYYY-MM-DD HH:mm:ss.SSS+00`.
    const epochMs = (printed: unknown) => Date.parse(String(printed).replace(' ', 'T').replace('+00', 'Z'));
    expect(epochMs(created?.stats_min_value)).toBe(tweets[2]?.created_at);
    expect(epochMs(created?.stats_max_value)).toBe(tweets[1]?.created_at);
  });

  it('names its writer as parquet-mr parses it, so Spark trusts the string statistics', async () => {
    const path = fileOf(encodeParquet(BronzeTweetRowSchema, tweets));
    const [meta] = await query(`SELECT created_by FROM parquet_file_metadata('${path}')`);
    // parquet-mr's VersionParser: "<application> version <semver>"; anything else voids BINARY stats.
    expect(String(meta?.created_by)).toMatch(/^parquet-rs version \d+\.\d+\.\d+/);
  });

  it('cuts row groups of ROW_GROUP_ROWS rows', async () => {
    const many = Array.from({ length: ROW_GROUP_ROWS + 10 }, (_, i) => ({
      ...(ticks[0] as BronzeTickRow),
      source_offset: i,
    }));
    const path = fileOf(encodeParquet(BronzeTickRowSchema, many));
    const groups = await query(
      `SELECT row_group_id, any_value(row_group_num_rows) AS n FROM parquet_metadata('${path}')
       GROUP BY row_group_id ORDER BY row_group_id`,
    );
    expect(groups.map((g) => Number(g.n))).toEqual([ROW_GROUP_ROWS, 10]);
  });

  it('reads back through parquet-wasm with exactly the Arrow schema of the row schema', () => {
    const table = tableFromIPC(readParquet(encodeParquet(BronzeTweetRowSchema, tweets)).intoIPCStream());
    const describe = (fields: { name: string; type: unknown; nullable: boolean }[]) =>
      fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable}`);
    expect(describe(table.schema.fields)).toEqual(describe(arrowSchemaOf(BronzeTweetRowSchema).fields));
    expect(table.getChild('id')?.toArray()).toEqual(tweets.map((t) => t.id));
    expect(table.getChild('source_offset')?.get(0)).toBe(BigInt(2 ** 40 + 1));
  });

  it('writes short strings outside ASCII as UTF-8, wherever the first such character is', () => {
    const short = ['é', 'Aé', 'ABC日本', '😀', `${'x'.repeat(31)}ñ`, 'x'.repeat(32), 'ü'.repeat(33), ''];
    const rows = short.map((s, i) => ({
      ...tweets[1],
      id: s,
      user_id: `u${s}`,
      symbols: [s, 'AAPL'],
      source_offset: i,
    }));
    const table = tableFromIPC(
      readParquet(encodeParquet(BronzeTweetRowSchema, rows as BronzeTweetRow[])).intoIPCStream(),
    );
    expect(table.getChild('id')?.toArray()).toEqual(short);
    expect(table.getChild('user_id')?.toArray()).toEqual(short.map((s) => `u${s}`));
    expect([...(table.getChild('symbols') ?? [])].map((l) => [...(l as Iterable<string>)])).toEqual(
      short.map((s) => [s, 'AAPL']),
    );
  });

  it('refuses a row without a required column instead of writing a null', () => {
    const broken = [{ ...tweets[0], text: undefined }] as unknown as BronzeTweetRow[];
    expect(() => encodeParquet(BronzeTweetRowSchema, broken)).toThrow(/row 0 .*required column text/);
  });

  const hasPyarrow = spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' }).status === 0;
  if (!hasPyarrow) process.stderr.write('parquet-writer test: python3 has no pyarrow, skipping its check\n');

  it.skipIf(!hasPyarrow)('is read as-is by pyarrow with the same types and values', () => {
    const path = fileOf(encodeParquet(BronzeTweetRowSchema, tweets));
    const script = `
import json, sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
schema = {f.name: str(f.type) for f in t.schema}
for k in ('created_at', 'ingested_at'):
    t = t.set_column(t.schema.get_field_index(k), k, t[k].cast('int64'))
rows = t.to_pylist()
print(json.dumps({'schema': schema, 'rows': rows}))
`;
    const result = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { schema: Record<string, string>; rows: unknown[] };
    expect(out.schema).toMatchObject({
      id: 'string',
      created_at: 'timestamp[ms, tz=UTC]',
      symbols: 'list<element: string not null>',
      source_offset: 'int64',
      source_partition: 'int32',
      compound: 'double',
    });
    expect(out.rows).toEqual(tweets);
  });
});

describe('ParquetRows', () => {
  it('grows every kind of column past its first capacity, nulls first seen late included', async () => {
    const rows: TweetBySymbolRow[] = Array.from({ length: 3_000 }, (_, i) => ({
      symbol: `S${i % 7}`,
      day: `2025-01-${String(1 + (i % 28)).padStart(2, '0')}`,
      created_at: T0 + i,
      id: `${i}`.repeat(1 + (i % 5)),
      text: i % 3 === 0 ? `$S${i % 7} 😀 ${'é'.repeat(i % 40)}` : `plain ${i}`,
      user_id: `u${i}`,
      compound: (i % 200) / 100 - 1,
      pos: 0.25,
      neu: 0.5,
      neg: 0.25,
      label: 'neutral',
      // Every optional column is present for the first 2,000 rows and absent for some after.
      ...(i < 2_000 || i % 2 === 0 ? { price_at_tweet: 100 + i / 8, price_tick_at: T0 - i } : {}),
      ...(i < 2_000 || i % 3 !== 0 ? { late: i % 4 === 0 } : {}),
    }));
    const columns = new ParquetRows(TweetBySymbolRowSchema, 16);
    for (const row of rows) columns.push(row);
    expect(columns.length).toBe(rows.length);
    const path = fileOf(columns.encode());
    const back = await query(
      `SELECT * REPLACE (epoch_ms(created_at) AS created_at, epoch_ms(price_tick_at) AS price_tick_at,
         strftime(day, '%Y-%m-%d') AS day)
       FROM read_parquet('${path}') ORDER BY created_at`,
    );
    const expected = rows.map((r) => ({ price_at_tweet: null, price_tick_at: null, late: null, ...r }));
    expect(back.map(fromDuckDb)).toEqual(expected);

    const lists = new ParquetRows(BronzeTweetRowSchema, 16);
    const many = Array.from({ length: 3_000 }, (_, i) => ({
      ...(tweets[0] as BronzeTweetRow),
      source_offset: i,
      symbols: Array.from({ length: i % 4 }, (_, k) => `S${k}`),
    }));
    for (const row of many) lists.push(row);
    const listBack = await query(
      `SELECT symbols FROM read_parquet('${fileOf(lists.encode())}') ORDER BY source_offset`,
    );
    expect(listBack.map((r) => r.symbols)).toEqual(many.map((t) => t.symbols));
  });

  it('refuses to encode after a row that failed half-way, whose columns would be misaligned', () => {
    const columns = new ParquetRows(BronzeTweetRowSchema);
    columns.push(tweets[0] as BronzeTweetRow);
    const broken = { ...(tweets[0] as BronzeTweetRow), label: undefined } as unknown as BronzeTweetRow;
    expect(() => columns.push(broken)).toThrow(/row 1 .*required column label/);
    expect(() => columns.push(tweets[1] as BronzeTweetRow)).toThrow(/required column label/);
    expect(() => columns.encode()).toThrow(/required column label/);
  });
});
