/**
 * Test helpers of the API: gold written as the batch layer lays it out (with the project's Parquet
 * writer and the gold schemas), the run pointer, speed rows, and a lake that counts its reads.
 */
import type { ViewStore } from '../infra/cassandra/view-store.js';
import type { ObjectInfo, ObjectLevel, ObjectStore, PutOptions } from '../infra/lake/object-store.js';
import { encodeParquet } from '../infra/lake/parquet-writer.js';
import {
  GOLD_LATEST_RUN_KEY,
  type GoldSentimentMinuteRow,
  GoldSentimentMinuteRowSchema,
  type GoldTopicStatisticsRow,
  GoldTopicStatisticsRowSchema,
  goldTableObjectKey,
} from '../schemas/gold.js';
import { goldObjectKey, goldRunKey } from '../schemas/lake.js';
import type { SentimentMinuteRow } from '../schemas/rows.js';
import { formatEventTime, MINUTE_MS, utcDay } from '../schemas/time.js';

/** A real lake that counts the reads made of it (not a mock: every call goes to the store). */
export class CountingObjectStore implements ObjectStore {
  gets = 0;
  lists = 0;
  constructor(private readonly inner: ObjectStore) {}
  put(key: string, body: Uint8Array | string, options?: PutOptions) {
    return this.inner.put(key, body, options);
  }
  get(key: string) {
    this.gets++;
    return this.inner.get(key);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }
  putIfAbsent(key: string, body: Uint8Array | string, options?: PutOptions) {
    return this.inner.putIfAbsent(key, body, options);
  }
  list(prefix: string) {
    this.lists++;
    return this.inner.list(prefix);
  }
  listLevel(prefix: string): Promise<ObjectLevel> {
    this.lists++;
    return this.inner.listLevel(prefix);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  locate(key: string) {
    return this.inner.locate(key);
  }
  close() {
    return this.inner.close();
  }
}

/** A minute with `tweets` positive tweets of compound `compound` and one tick at `price`. */
export function goldMinute(
  symbol: string,
  at: number,
  tweets: number,
  compound = 0.5,
  price = 100,
): GoldSentimentMinuteRow {
  return {
    symbol,
    minute: at,
    tweet_count: tweets,
    positive_count: tweets,
    neutral_count: 0,
    negative_count: 0,
    compound_sum: tweets * compound,
    compound_min: compound,
    compound_max: compound,
    tick_count: 1,
    open_price: price,
    high_price: price + 1,
    low_price: price - 1,
    close_price: price + 0.5,
    volume: 10,
  };
}

export function goldMinutes(symbol: string, from: number, to: number, tweets: number, compound = 0.5) {
  const rows: GoldSentimentMinuteRow[] = [];
  for (let t = from; t < to; t += MINUTE_MS) rows.push(goldMinute(symbol, t, tweets, compound));
  return rows;
}

/** Writes `sentiment_minute` rows as the batch layer does: one object per UTC day. */
export async function putGoldMinutes(
  store: ObjectStore,
  rows: readonly GoldSentimentMinuteRow[],
): Promise<void> {
  const byDay = new Map<string, GoldSentimentMinuteRow[]>();
  for (const row of rows) {
    const day = utcDay(row.minute);
    byDay.set(day, [...(byDay.get(day) ?? []), row]);
  }
  for (const [day, dayRows] of byDay)
    await store.put(
      goldObjectKey('sentiment_minute', day),
      encodeParquet(GoldSentimentMinuteRowSchema, dayRows),
    );
}

export async function putAllTimeStatistics(store: ObjectStore, rows: readonly GoldTopicStatisticsRow[]) {
  await store.put(
    goldTableObjectKey('topic_statistics_all_time'),
    encodeParquet(GoldTopicStatisticsRowSchema, rows),
  );
}

/** Points `latest.json` at a run with horizon `coveredUntil` (and writes its manifest). */
export async function pointLatest(
  store: ObjectStore,
  runId: string,
  coveredUntil: number | null,
  finishedAt: number,
) {
  const key = goldRunKey(runId);
  await store.put(
    key,
    JSON.stringify({
      runId,
      status: 'complete',
      coveredUntil: coveredUntil === null ? null : formatEventTime(coveredUntil),
    }),
  );
  await store.put(
    GOLD_LATEST_RUN_KEY,
    JSON.stringify({
      runId,
      key,
      coveredUntil: coveredUntil === null ? null : formatEventTime(coveredUntil),
      finishedAt: formatEventTime(finishedAt),
    }),
  );
}

/** A speed-view minute row with `tweets` positive tweets and one tick. */
export function speedMinute(
  symbol: string,
  at: number,
  tweets: number,
  compound = 0.5,
  price = 200,
): SentimentMinuteRow {
  return {
    symbol,
    day: utcDay(at),
    minute: at,
    tweet_count: tweets,
    positive_count: tweets,
    neutral_count: 0,
    negative_count: 0,
    compound_sum: tweets * compound,
    compound_min: compound,
    compound_max: compound,
    tweet_count_5m: tweets,
    positive_count_5m: tweets,
    neutral_count_5m: 0,
    negative_count_5m: 0,
    compound_sum_5m: tweets * compound,
    tick_count: 1,
    open_price: price,
    high_price: price + 1,
    low_price: price - 1,
    close_price: price + 0.5,
    volume: 20,
    final: true,
    updated_at: at + 2 * MINUTE_MS,
  };
}

export async function putSpeedMinutes(
  store: ViewStore,
  symbol: string,
  from: number,
  to: number,
  tweets: number,
) {
  const rows: SentimentMinuteRow[] = [];
  for (let t = from; t < to; t += MINUTE_MS) rows.push(speedMinute(symbol, t, tweets));
  for (let i = 0; i < rows.length; i += 500)
    await store.upsert('sentiment_by_minute', rows.slice(i, i + 500));
}
