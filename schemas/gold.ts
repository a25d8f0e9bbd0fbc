/**
 * Gold: what the batch layer publishes and the serving API reads. The SQL models in
 * batch-layer/models/ write these tables; the row schemas below are the columns each file holds
 * (the `date` partition is in the path, not in the file). The run pointer and its key live here
 * because both layers read them and layers never import each other.
 */
import Type, { type Static } from 'typebox';
import { Column } from './columns.js';
import { goldTablePrefix } from './lake.js';
import { minuteCandleColumns, minuteTweetColumns } from './rows.js';

/** The object of an unpartitioned gold table (goldObjectKey in lake.ts names the `date=` ones). */
export const goldTableObjectKey = (table: string, part = 0): string =>
  `${goldTablePrefix(table)}part-${String(part).padStart(5, '0')}.parquet`;

/** Points at the latest complete run's manifest; written last, so its manifest is whole. */
export const GOLD_LATEST_RUN_KEY = 'gold/_runs/latest.json';

export const LatestRunPointerSchema = Type.Object({
  runId: Type.String({ minLength: 1 }),
  key: Type.String({ minLength: 1 }),
  /**
   * ISO time: gold holds every hour before it completely (the end of the last whole hour the run
   * covers); null while bronze has recorded no progress.
   */
  coveredUntil: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.String(),
});
export type LatestRunPointer = Static<typeof LatestRunPointerSchema>;

/** The gold tables the API reads, by name. */
export const GOLD_TABLES = {
  sentimentMinute: 'sentiment_minute',
  candles1m: 'candles_1m',
  candles5m: 'candles_5m',
  topicStatistics: 'topic_statistics',
  topicStatisticsAllTime: 'topic_statistics_all_time',
  trendAnalysisHourly: 'trend_analysis_hourly',
} as const;

/**
 * `sentiment_minute`: the batch twin of the speed view `sentiment_by_minute` (rows.ts): per symbol
 * and minute with tweets or ticks, counts and sums (never means), so that any coarser bucket is
 * re-aggregated exactly from it, joined with the minute's candle.
 */
export const GoldSentimentMinuteRowSchema = Type.Object({
  symbol: Column.text(),
  minute: Column.timestamp({ description: 'window start; the window is [minute, minute + 60 s)' }),
  ...minuteTweetColumns,
  ...minuteCandleColumns,
});
export type GoldSentimentMinuteRow = Static<typeof GoldSentimentMinuteRowSchema>;

/** `candles_1m` and `candles_5m`: OHLCV per symbol per bucket (`minute` is the bucket start). */
export const GoldCandleRowSchema = Type.Object({
  symbol: Column.text(),
  minute: Column.timestamp({ description: 'bucket start' }),
  open_price: Column.double(),
  high_price: Column.double(),
  low_price: Column.double(),
  close_price: Column.double(),
  volume: Column.double(),
  trade_count: Column.bigint({ minimum: 0 }),
});
export type GoldCandleRow = Static<typeof GoldCandleRowSchema>;

const statistics = {
  tweets: Column.bigint({ minimum: 0 }),
  mean_compound: Column.optional(Column.double()),
  stddev_compound: Column.optional(Column.double({ description: 'sample standard deviation' })),
  p50_compound: Column.optional(Column.double({ description: 'exact, linear interpolation' })),
  p95_compound: Column.optional(Column.double({ description: 'exact, linear interpolation' })),
  min_compound: Column.optional(Column.double()),
  max_compound: Column.optional(Column.double()),
  sentiment_volatility: Column.optional(
    Column.double({ description: 'sample stddev of the hourly mean compounds' }),
  ),
  price_volatility: Column.optional(
    Column.double({ description: 'sample stddev of one-minute log returns between consecutive candles' }),
  ),
};

/** `topic_statistics` (per symbol and day, the day in the path) and `topic_statistics_all_time`. */
export const GoldTopicStatisticsRowSchema = Type.Object({ symbol: Column.text(), ...statistics });
export type GoldTopicStatisticsRow = Static<typeof GoldTopicStatisticsRowSchema>;

/** `trend_analysis_hourly`: per symbol and hour, trailing moving averages. */
export const GoldTrendHourlyRowSchema = Type.Object({
  symbol: Column.text(),
  hour: Column.timestamp({ description: 'hour start' }),
  mean_compound: Column.optional(Column.double()),
  close_price: Column.optional(Column.double()),
  sentiment_ma_6h: Column.optional(Column.double({ description: 'mean of the hourly means, 6 h' })),
  sentiment_ma_24h: Column.optional(Column.double({ description: 'mean of the hourly means, 24 h' })),
  price_ma_6h: Column.optional(Column.double({ description: 'mean of the hourly closes, 6 h' })),
  price_ma_24h: Column.optional(Column.double({ description: 'mean of the hourly closes, 24 h' })),
});
export type GoldTrendHourlyRow = Static<typeof GoldTrendHourlyRowSchema>;
