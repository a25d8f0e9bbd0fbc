/**
 * A small known bronze for the batch tests: a few tweets and ticks across two days, written with
 * the speed layer's Parquet writer under the speed layer's object names, and a reader of gold.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '../infra/lake/object-store.js';
import { encodeParquet } from '../infra/lake/parquet-writer.js';
import { bronzeObjectKey } from '../schemas/lake.js';
import {
  type BronzeTickRow,
  BronzeTickRowSchema,
  type BronzeTweetRow,
  BronzeTweetRowSchema,
  sentimentLabel,
} from '../schemas/rows.js';

export const at = (iso: string) => Date.parse(iso);

let offset = 0;
export function tweet(id: string, created: string, compound: number, symbols: string[]): BronzeTweetRow {
  return {
    id,
    created_at: at(created),
    text: `tweet ${id}`,
    user_id: 'u1',
    symbols,
    compound,
    pos: 0,
    neu: 1,
    neg: 0,
    label: sentimentLabel(compound),
    source_partition: 0,
    source_offset: offset++,
    ingested_at: at(created) + 1000,
  };
}

export function tick(
  symbol: string,
  time: string,
  open: number,
  close: number,
  volume: number,
): BronzeTickRow {
  return {
    symbol,
    trade_timestamp: at(time),
    open_price: open,
    high_price: Math.max(open, close) + 1,
    low_price: Math.min(open, close) - 1,
    close_price: close,
    volume,
    source_partition: 0,
    source_offset: offset++,
    ingested_at: at(time) + 1000,
  };
}

/** Puts rows as one bronze object of `day`, named from `partition` and the offsets given. */
export async function putTweets(
  store: ObjectStore,
  day: string,
  rows: BronzeTweetRow[],
  first: number,
  partition = 0,
) {
  const key = bronzeObjectKey({
    dataset: 'tweets',
    day,
    partition,
    firstOffset: first,
    lastOffset: first + rows.length,
  });
  await store.put(key, encodeParquet(BronzeTweetRowSchema, rows));
  return key;
}

export async function putTicks(
  store: ObjectStore,
  day: string,
  rows: BronzeTickRow[],
  first: number,
  partition = 0,
) {
  const key = bronzeObjectKey({
    dataset: 'stock_prices',
    day,
    partition,
    firstOffset: first,
    lastOffset: first + rows.length,
  });
  await store.put(key, encodeParquet(BronzeTickRowSchema, rows));
  return key;
}

export async function putProgress(
  store: ObjectStore,
  dataset: string,
  partition: number,
  completeUntil: number | null,
) {
  await store.put(
    `bronze/_progress/${dataset}/p${partition}.json`,
    JSON.stringify({ lastOffset: 0, completeUntil, updatedAt: 0 }),
  );
}

/** Rows of a Parquet file, timestamps as ISO text, in file order. */
export async function readParquet(path: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  try {
    const result = await connection.runAndReadAll(
      `SELECT * FROM read_parquet('${path}', hive_partitioning = false)`,
    );
    return result
      .getRowObjectsJS()
      .map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([k, v]) => [
            k,
            v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? Number(v) : v,
          ]),
        ),
      );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
