/**
 * Rows: what the speed layer writes to the views and the lake, and what the API returns.
 * Each schema is built from `Column` so that the Cassandra and Parquet schemas derive from it.
 */
import Type, { type Static } from 'typebox';
import { Column } from './columns.js';

export const SENTIMENT_LABELS = ['positive', 'neutral', 'negative'] as const;
export type SentimentLabel = (typeof SENTIMENT_LABELS)[number];

/** VADER's conventional thresholds (docs/ARCHITECTURE.md, Sentiment). */
export function sentimentLabel(compound: number): SentimentLabel {
  if (compound >= 0.05) return 'positive';
  if (compound <= -0.05) return 'negative';
  return 'neutral';
}

const Label = () => Column.text({ enum: [...SENTIMENT_LABELS] });
const Score = (description: string) => Column.double({ description });

const sentimentScores = {
  compound: Score('VADER compound score, -1..1'),
  pos: Score('VADER positive proportion'),
  neu: Score('VADER neutral proportion'),
  neg: Score('VADER negative proportion'),
  label: Label(),
};

const ohlcv = {
  open_price: Column.double(),
  high_price: Column.double(),
  low_price: Column.double(),
  close_price: Column.double(),
  volume: Column.double(),
};

/** Where a bronze row came from in the log: makes replays idempotent and rows traceable. */
const lineage = {
  source_partition: Column.int({ description: 'event-log partition the message was read from' }),
  source_offset: Column.bigint({ description: 'offset of the message in its partition' }),
  ingested_at: Column.timestamp({ description: 'processing time the speed layer read it' }),
};

/** Bronze `tweets`: every valid tweet, scored, with all its symbols (possibly none). */
export const BronzeTweetRowSchema = Type.Object({
  id: Column.text(),
  created_at: Column.timestamp(),
  text: Column.text(),
  user_id: Column.text(),
  symbols: Column.textList({ description: 'cashtags, upper case, de-duplicated, in order of appearance' }),
  ...sentimentScores,
  ...lineage,
});
export type BronzeTweetRow = Static<typeof BronzeTweetRowSchema>;

/** Bronze `stock_prices`: every valid tick. */
export const BronzeTickRowSchema = Type.Object({
  symbol: Column.text(),
  trade_timestamp: Column.timestamp(),
  ...ohlcv,
  ...lineage,
});
export type BronzeTickRow = Static<typeof BronzeTickRowSchema>;

/** Speed view `tweets_by_symbol`: one row per (tweet, symbol). */
export const TweetBySymbolRowSchema = Type.Object({
  symbol: Column.text(),
  day: Column.date(),
  created_at: Column.timestamp(),
  id: Column.text(),
  text: Column.text(),
  user_id: Column.text(),
  ...sentimentScores,
  price_at_tweet: Column.optional(
    Column.double({
      description:
        "close of the symbol's latest tick at or before created_at and no older than WATERMARK_DELAY; absent when there is none or the tweet was late",
    }),
  ),
  price_tick_at: Column.optional(
    Column.timestamp({ description: 'trade_timestamp of the tick behind price_at_tweet' }),
  ),
  late: Column.optional(
    Column.boolean({
      description:
        'true when the tweet arrived below the watermark: it is in no minute window and has no price',
    }),
  ),
});
export type TweetBySymbolRow = Static<typeof TweetBySymbolRowSchema>;

/** Speed view `market_data`: ticks per symbol. */
export const TickRowSchema = Type.Object({
  symbol: Column.text(),
  day: Column.date(),
  trade_timestamp: Column.timestamp(),
  ...ohlcv,
});
export type TickRow = Static<typeof TickRowSchema>;

/** A minute's tweets as counts and sums (never means), so that windows merge exactly. */
export const minuteTweetColumns = {
  tweet_count: Column.bigint({ minimum: 0 }),
  positive_count: Column.bigint({ minimum: 0 }),
  neutral_count: Column.bigint({ minimum: 0 }),
  negative_count: Column.bigint({ minimum: 0 }),
  compound_sum: Column.double(),
  compound_min: Column.optional(Column.double()),
  compound_max: Column.optional(Column.double()),
};

/** A minute's candle: absent prices when the minute had no tick. */
export const minuteCandleColumns = {
  tick_count: Column.bigint({ minimum: 0 }),
  open_price: Column.optional(Column.double()),
  high_price: Column.optional(Column.double()),
  low_price: Column.optional(Column.double()),
  close_price: Column.optional(Column.double()),
  volume: Column.optional(Column.double()),
};

/**
 * Speed view `sentiment_by_minute`: a one-minute event-time window of a symbol's tweets joined
 * with the minute's OHLCV. Sums and counts (not averages) so that windows merge exactly.
 */
export const SentimentMinuteRowSchema = Type.Object({
  symbol: Column.text(),
  day: Column.date(),
  minute: Column.timestamp({ description: 'window start; the window is [minute, minute + 60 s)' }),
  ...minuteTweetColumns,
  // The trailing five-minute window [minute - 4 min, minute + 1 min), summed from the five minute panes.
  tweet_count_5m: Column.bigint({ minimum: 0 }),
  positive_count_5m: Column.bigint({ minimum: 0 }),
  neutral_count_5m: Column.bigint({ minimum: 0 }),
  negative_count_5m: Column.bigint({ minimum: 0 }),
  compound_sum_5m: Column.double(),
  compound_min_5m: Column.optional(Column.double()),
  compound_max_5m: Column.optional(Column.double()),
  ...minuteCandleColumns,
  final: Column.boolean({ description: 'true once the watermark has passed the window end' }),
  updated_at: Column.timestamp({ description: 'processing time of the last upsert' }),
});
export type SentimentMinuteRow = Static<typeof SentimentMinuteRowSchema>;
