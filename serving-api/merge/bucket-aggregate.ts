/**
 * Sums and counts of the minutes of one bucket: how gold rows and speed rows both become buckets.
 * Built only from sums, counts, extremes and the first open / last close by minute, so folding
 * minutes, or rows already folded from minutes, gives the same bucket (exact re-aggregation, never
 * an average of averages).
 */

/** A minute row, or a row already folded from the minutes of part of one bucket. */
export interface MinuteFigures {
  /** epoch ms: the minute, or the first minute the row folds */
  minute: number;
  tweet_count: number;
  positive_count: number;
  neutral_count: number;
  negative_count: number;
  compound_sum: number;
  tick_count: number;
  open_price?: number | undefined;
  high_price?: number | undefined;
  low_price?: number | undefined;
  close_price?: number | undefined;
  volume?: number | undefined;
  /** Speed rows: false while the watermark has not passed the minute. Gold rows are final. */
  final?: boolean | undefined;
}

export interface BucketAggregate {
  start: number;
  tweets: number;
  positive: number;
  neutral: number;
  negative: number;
  compoundSum: number;
  ticks: number;
  open?: { minute: number; price: number };
  close?: { minute: number; price: number };
  high?: number;
  low?: number;
  volume: number;
  final: boolean;
}

export function emptyBucket(start: number): BucketAggregate {
  return {
    start,
    tweets: 0,
    positive: 0,
    neutral: 0,
    negative: 0,
    compoundSum: 0,
    ticks: 0,
    volume: 0,
    final: true,
  };
}

export function addMinute(bucket: BucketAggregate, row: MinuteFigures): void {
  bucket.tweets += row.tweet_count;
  bucket.positive += row.positive_count;
  bucket.neutral += row.neutral_count;
  bucket.negative += row.negative_count;
  bucket.compoundSum += row.compound_sum;
  bucket.ticks += row.tick_count;
  if (row.open_price !== undefined && (bucket.open === undefined || row.minute < bucket.open.minute))
    bucket.open = { minute: row.minute, price: row.open_price };
  if (row.close_price !== undefined && (bucket.close === undefined || row.minute > bucket.close.minute))
    bucket.close = { minute: row.minute, price: row.close_price };
  if (row.high_price !== undefined) bucket.high = Math.max(bucket.high ?? row.high_price, row.high_price);
  if (row.low_price !== undefined) bucket.low = Math.min(bucket.low ?? row.low_price, row.low_price);
  bucket.volume += row.volume ?? 0;
  if (row.final === false) bucket.final = false;
}

/** Folds rows into buckets of `intervalMs` aligned to the epoch, by each row's minute. */
export function foldBuckets(rows: Iterable<MinuteFigures>, intervalMs: number): Map<number, BucketAggregate> {
  const buckets = new Map<number, BucketAggregate>();
  for (const row of rows) {
    const start = row.minute - (((row.minute % intervalMs) + intervalMs) % intervalMs);
    let bucket = buckets.get(start);
    if (!bucket) {
      bucket = emptyBucket(start);
      buckets.set(start, bucket);
    }
    addMinute(bucket, row);
  }
  return buckets;
}
