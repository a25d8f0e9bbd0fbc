/**
 * The serving API's contract: every route's query, path parameters and responses. Fastify
 * validates requests and serialises responses with these, and the OpenAPI document is built from
 * them. Row fields derive from the row schemas (rows.ts, gold.ts); on the wire times are ISO-8601
 * with `Z` and counts are named as in the stream (stream.ts).
 */
import Type, { type Static, type TSchema } from 'typebox';
import { ALERT_DIRECTIONS, ALERT_STATUSES, AlertRowSchema, RULE_ID_PATTERN } from './alerts.js';
import { GoldTopicStatisticsRowSchema, GoldTrendHourlyRowSchema } from './gold.js';
import { SENTIMENT_LABELS, TweetBySymbolRowSchema } from './rows.js';
import { SYMBOL_PATTERN_SOURCE } from './symbol.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';

export const INTERVALS = ['1m', '5m', '1h', '1d'] as const;
export type Interval = (typeof INTERVALS)[number];
export const CANDLE_INTERVALS = ['1m', '5m'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export const INTERVAL_MS: Record<Interval, number> = {
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '1h': HOUR_MS,
  '1d': DAY_MS,
};

/** The widest `to − from` per interval: a response holds at most ~2,200 buckets. */
export const MAX_RANGE_MS: Record<Interval, number> = {
  '1m': DAY_MS,
  '5m': 7 * DAY_MS,
  '1h': 92 * DAY_MS,
  '1d': 731 * DAY_MS,
};

/** The range asked for when `from` is left out: this much before `to`. */
export const DEFAULT_SPAN_MS: Record<Interval, number> = {
  '1m': HOUR_MS,
  '5m': 6 * HOUR_MS,
  '1h': 2 * DAY_MS,
  '1d': 30 * DAY_MS,
};

/** Routes over hourly data (trend, correlation) accept at most this range. */
export const MAX_HOURLY_RANGE_MS = 31 * DAY_MS;
export const TWEETS_MAX_LIMIT = 200;
export const TWEETS_DEFAULT_LIMIT = 50;
export const STATS_MAX_DAYS = 31;

const DateTime = (description: string) => Type.String({ format: 'date-time', description });
/**
 * `T | null` as a type array (`type: ['number', 'null']`), not `anyOf`: fast-json-stringify writes
 * a type array directly, but an `anyOf` through an AJV check of every value it serializes.
 */
const Nullable = <T extends TSchema & { type: string }>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
const NullableNumber = (description: string) => Nullable(Type.Number({ description }));

export const SymbolParamsSchema = Type.Object({
  symbol: Type.String({
    pattern: SYMBOL_PATTERN_SOURCE,
    description: 'ticker: 1–6 letters with an optional .X class suffix (case-insensitive), e.g. AAPL, BRK.B',
  }),
});
export type SymbolParams = Static<typeof SymbolParamsSchema>;

const From = DateTime(
  'range start, inclusive (ISO-8601 with a zone); default: a span before `to` per interval',
);
const To = DateTime('range end, exclusive (ISO-8601 with a zone); default: now');

export const SentimentQuerySchema = Type.Object({
  from: Type.Optional(From),
  to: Type.Optional(To),
  interval: Type.Optional(
    Type.Enum([...INTERVALS], {
      description: `bucket size (default 1m); widest range: ${INTERVALS.map((i) => `${i} ${MAX_RANGE_MS[i] / DAY_MS}d`).join(', ')}`,
    }),
  ),
});
export type SentimentQuery = Static<typeof SentimentQuerySchema>;

export const CandlesQuerySchema = Type.Object({
  from: Type.Optional(From),
  to: Type.Optional(To),
  interval: Type.Optional(Type.Enum([...CANDLE_INTERVALS], { description: 'candle size (default 1m)' })),
});
export type CandlesQuery = Static<typeof CandlesQuerySchema>;

export const TweetsQuerySchema = Type.Object({
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: TWEETS_MAX_LIMIT,
      description: `tweets per page, 1..${TWEETS_MAX_LIMIT} (default ${TWEETS_DEFAULT_LIMIT})`,
    }),
  ),
  before: Type.Optional(
    Type.String({ minLength: 1, maxLength: 512, description: 'cursor: the `next` of the previous page' }),
  ),
});
export type TweetsQuery = Static<typeof TweetsQuerySchema>;

export const HourlyRangeQuerySchema = Type.Object({
  from: Type.Optional(DateTime('range start, inclusive; default: 48 hours before `to`')),
  to: Type.Optional(DateTime('range end, exclusive; default: now')),
});
export type HourlyRangeQuery = Static<typeof HourlyRangeQuerySchema>;

export const StatsQuerySchema = Type.Object({
  days: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: STATS_MAX_DAYS,
      description: `how many UTC days of daily statistics, the latest first (1..${STATS_MAX_DAYS}, default 7)`,
    }),
  ),
});
export type StatsQuery = Static<typeof StatsQuerySchema>;

export const PivotQuerySchema = Type.Object({
  date: Type.Optional(
    Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, YYYY-MM-DD (default: today)' }),
  ),
});
export type PivotQuery = Static<typeof PivotQuerySchema>;

export const CorrelationQuerySchema = Type.Object({
  symbol: Type.Optional(
    Type.String({ pattern: SYMBOL_PATTERN_SOURCE, description: 'one symbol; default: every tracked symbol' }),
  ),
  from: Type.Optional(DateTime('range start, inclusive; default: 7 days before `to`')),
  to: Type.Optional(DateTime('range end, exclusive; default: now')),
});
export type CorrelationQuery = Static<typeof CorrelationQuerySchema>;

export const SOURCES = ['batch', 'speed'] as const;
export type Source = (typeof SOURCES)[number];
const SourceSchema = Type.Enum([...SOURCES], {
  description: 'batch: gold, before the boundary; speed: the Cassandra speed view',
});

/** Where the batch view ends: the latest complete run's horizon. */
const horizon = {
  boundary: Nullable(
    DateTime(
      'the latest batch run’s coveredUntil: buckets starting before it come from gold; null: no run yet',
    ),
  ),
  run_id: Nullable(Type.String({ description: 'the run whose gold answered; null: no run yet' })),
};

export const GapSchema = Type.Object({
  from: DateTime('start of the uncovered range, inclusive'),
  to: DateTime('end of the uncovered range, exclusive'),
  reason: Type.String({ description: 'why neither view holds it' }),
});
export type Gap = Static<typeof GapSchema>;

const gaps = Type.Array(GapSchema, {
  description: 'ranges neither the batch nor the speed view covers: unknown, not zero tweets',
});

export const SentimentBucketSchema = Type.Object({
  start: DateTime('bucket start; the bucket is [start, start + interval)'),
  source: SourceSchema,
  tweets: Type.Integer({ minimum: 0 }),
  mean_compound: NullableNumber('mean VADER compound of the tweets; null when tweets is 0'),
  positive: Type.Integer({ minimum: 0 }),
  neutral: Type.Integer({ minimum: 0 }),
  negative: Type.Integer({ minimum: 0 }),
  open_price: NullableNumber('first one-minute open in the bucket; null without ticks'),
  close_price: NullableNumber('last one-minute close in the bucket'),
  price_return: NullableNumber('close / open − 1'),
  final: Type.Boolean({ description: 'false while a speed minute in it may still change (watermark)' }),
  covered_until: Type.Optional(
    DateTime(
      'only on a batch bucket that straddles the boundary while the speed view no longer holds its start: its figures count what came before this time',
    ),
  ),
});
export type SentimentBucket = Static<typeof SentimentBucketSchema>;

export const SentimentSeriesSchema = Type.Object({
  symbol: Type.String(),
  interval: Type.Enum([...INTERVALS]),
  from: DateTime('the range answered, aligned down to the interval'),
  to: DateTime('end of the range answered, exclusive, aligned up to the interval'),
  ...horizon,
  buckets: Type.Array(SentimentBucketSchema, {
    description: 'in time order; a covered bucket with neither tweets nor ticks is left out',
  }),
  gaps,
});
export type SentimentSeries = Static<typeof SentimentSeriesSchema>;

export const CandleSchema = Type.Object({
  start: DateTime('candle start'),
  source: SourceSchema,
  open_price: Type.Number(),
  high_price: Type.Number(),
  low_price: Type.Number(),
  close_price: Type.Number(),
  volume: Type.Number(),
  trades: Type.Integer({ minimum: 0, description: 'ticks in the candle' }),
  final: Type.Boolean(),
});
export type Candle = Static<typeof CandleSchema>;

export const CandleSeriesSchema = Type.Object({
  symbol: Type.String(),
  interval: Type.Enum([...CANDLE_INTERVALS]),
  from: DateTime('the range answered, aligned down'),
  to: DateTime('end of the range answered, exclusive, aligned up'),
  ...horizon,
  candles: Type.Array(CandleSchema, { description: 'in time order; minutes without ticks are left out' }),
  gaps,
});
export type CandleSeries = Static<typeof CandleSeriesSchema>;

const tweet = TweetBySymbolRowSchema.properties;
const describe = (s: TSchema): string => String((s as { description?: string }).description ?? '');
export const TweetSchema = Type.Object({
  id: tweet.id,
  created_at: DateTime('event time of the tweet'),
  text: tweet.text,
  user_id: tweet.user_id,
  compound: tweet.compound,
  pos: tweet.pos,
  neu: tweet.neu,
  neg: tweet.neg,
  label: Type.Enum([...SENTIMENT_LABELS]),
  price_at_tweet: Nullable(Type.Number({ description: describe(tweet.price_at_tweet) })),
  late: Type.Boolean({ description: describe(tweet.late) }),
});
export type Tweet = Static<typeof TweetSchema>;

export const TweetPageSchema = Type.Object({
  symbol: Type.String(),
  tweets: Type.Array(TweetSchema, { description: 'newest first (speed view)' }),
  next: Nullable(Type.String({ description: 'pass as `before` for the next page; null: no more' })),
});
export type TweetPage = Static<typeof TweetPageSchema>;

export const SymbolSummarySchema = Type.Object({
  symbol: Type.String(),
  last_tweet_at: Nullable(DateTime('latest tweet in the speed view')),
  last_price: NullableNumber('close of the latest tick in the speed view'),
  last_price_at: Nullable(DateTime('time of that tick')),
  tweets_24h: Type.Integer({
    minimum: 0,
    description: 'tweets in the merged hourly series of the last 24 hours',
  }),
  tweets_24h_complete: Type.Boolean({ description: 'false when part of those 24 hours is a gap' }),
});
export type SymbolSummary = Static<typeof SymbolSummarySchema>;

export const SymbolListSchema = Type.Object({
  ...horizon,
  symbols: Type.Array(SymbolSummarySchema),
});
export type SymbolList = Static<typeof SymbolListSchema>;

const trend = GoldTrendHourlyRowSchema.properties;
const nullableOf = (s: TSchema & { description?: string }) =>
  Nullable(Type.Number(s.description ? { description: s.description } : {}));
export const TrendHourSchema = Type.Object({
  hour: DateTime('hour start'),
  source: Type.Literal('batch'),
  mean_compound: nullableOf(trend.mean_compound),
  close_price: nullableOf(trend.close_price),
  sentiment_ma_6h: nullableOf(trend.sentiment_ma_6h),
  sentiment_ma_24h: nullableOf(trend.sentiment_ma_24h),
  price_ma_6h: nullableOf(trend.price_ma_6h),
  price_ma_24h: nullableOf(trend.price_ma_24h),
});
export type TrendHour = Static<typeof TrendHourSchema>;

export const TrendSchema = Type.Object({
  symbol: Type.String(),
  from: DateTime('range start'),
  to: DateTime('range end, exclusive'),
  ...horizon,
  hours: Type.Array(TrendHourSchema, {
    description: 'gold trend_analysis_hourly rows before the boundary (moving averages are batch-only)',
  }),
});
export type Trend = Static<typeof TrendSchema>;

const stats = GoldTopicStatisticsRowSchema.properties;
const statisticsFields = {
  tweets: Type.Integer({ minimum: 0 }),
  mean_compound: nullableOf(stats.mean_compound),
  stddev_compound: nullableOf(stats.stddev_compound),
  p50_compound: nullableOf(stats.p50_compound),
  p95_compound: nullableOf(stats.p95_compound),
  min_compound: nullableOf(stats.min_compound),
  max_compound: nullableOf(stats.max_compound),
  sentiment_volatility: nullableOf(stats.sentiment_volatility),
  price_volatility: nullableOf(stats.price_volatility),
};
export const StatisticsSchema = Type.Object(statisticsFields);
export const DailyStatisticsSchema = Type.Object({
  date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day' }),
  complete: Type.Boolean({ description: 'true when the whole day lies before the boundary' }),
  ...statisticsFields,
});
export const StatsSchema = Type.Object({
  symbol: Type.String(),
  ...horizon,
  all_time: Nullable(StatisticsSchema),
  days: Type.Array(DailyStatisticsSchema, { description: 'latest first; days with data only' }),
});
export type Stats = Static<typeof StatsSchema>;

export const PivotHourSchema = Type.Object({
  hour: DateTime('hour start'),
  source: SourceSchema,
  values: Type.Record(Type.String(), Nullable(Type.Number()), {
    description: 'mean compound per symbol; null: no tweets of that symbol in the hour',
  }),
});
export const PivotSchema = Type.Object({
  date: Type.String({ description: 'UTC day' }),
  ...horizon,
  symbols: Type.Array(Type.String(), { description: 'the symbols with tweets that day' }),
  hours: Type.Array(PivotHourSchema, { description: 'hours with tweets, in time order' }),
  gaps,
});
export type Pivot = Static<typeof PivotSchema>;

export const CorrelationSchema = Type.Object({
  symbol: Type.String(),
  same_hour_hours: Type.Integer({ minimum: 0, description: 'hours with both a mean compound and a return' }),
  corr_same_hour: NullableNumber('Pearson of the hourly mean compound with the same hour’s return'),
  next_hour_hours: Type.Integer({ minimum: 0 }),
  corr_next_hour: NullableNumber('Pearson with the next hour’s return'),
  batch_hours: Type.Integer({ minimum: 0, description: 'hours of the series answered from gold' }),
  speed_hours: Type.Integer({ minimum: 0, description: 'hours answered from the speed view' }),
});
export const CorrelationListSchema = Type.Object({
  from: DateTime('range start'),
  to: DateTime('range end, exclusive'),
  ...horizon,
  results: Type.Array(CorrelationSchema),
  gaps,
});
export type CorrelationList = Static<typeof CorrelationListSchema>;

/** `GET /v1/alerts`: the range asked for when `from` is left out, its widest, and the page size. */
export const ALERTS_DEFAULT_SPAN_MS = DAY_MS;
export const ALERTS_MAX_RANGE_MS = 31 * DAY_MS;
export const ALERTS_DEFAULT_LIMIT = 100;
export const ALERTS_MAX_LIMIT = 1000;

export const AlertsQuerySchema = Type.Object({
  symbol: Type.Optional(
    Type.String({
      pattern: SYMBOL_PATTERN_SOURCE,
      description: 'one symbol (case-insensitive); default: every tracked symbol (API_SYMBOLS)',
    }),
  ),
  from: Type.Optional(DateTime('earliest opened_at, inclusive; default: 24 hours before `to`')),
  to: Type.Optional(DateTime('latest opened_at, exclusive; default: now')),
  rule: Type.Optional(
    Type.String({ pattern: RULE_ID_PATTERN, description: 'only this rule’s alerts (a rule id)' }),
  ),
  status: Type.Optional(
    Type.Enum([...ALERT_STATUSES], { description: 'only alerts still open, or only closed ones' }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: ALERTS_MAX_LIMIT,
      description: `alerts at most, 1..${ALERTS_MAX_LIMIT} (default ${ALERTS_DEFAULT_LIMIT})`,
    }),
  ),
});
export type AlertsQuery = Static<typeof AlertsQuerySchema>;

const alert = AlertRowSchema.properties;
/** An alert on the wire: the row of `alerts_by_symbol` (alerts.ts) with ISO times and without its partition day. */
export const AlertSchema = Type.Object({
  alert_id: alert.alert_id,
  symbol: alert.symbol,
  rule: alert.rule,
  direction: Type.Enum([...ALERT_DIRECTIONS]),
  status: Type.Enum([...ALERT_STATUSES]),
  opened_at: DateTime(describe(alert.opened_at)),
  closed_at: Nullable(DateTime(`${describe(alert.closed_at)}; null while open`)),
  last_true_at: DateTime(describe(alert.last_true_at)),
  window_start: DateTime(describe(alert.window_start)),
  window_end: DateTime(describe(alert.window_end)),
  tweet_count: alert.tweet_count,
  mean_compound: alert.mean_compound,
  price_change: alert.price_change,
  open_price: alert.open_price,
  close_price: alert.close_price,
  updated_at: DateTime(describe(alert.updated_at)),
});
export type Alert = Static<typeof AlertSchema>;

export const AlertListSchema = Type.Object({
  from: DateTime('the range of opened_at answered, inclusive'),
  to: DateTime('its end, exclusive'),
  symbols: Type.Array(Type.String(), { description: 'the symbols whose alerts were read' }),
  alerts: Type.Array(AlertSchema, {
    description: 'newest opened_at first (then symbol, then rule), at most `limit`',
  }),
  truncated: Type.Boolean({
    description:
      'true when more alerts match than `limit`: narrow the range (e.g. `to` = the last opened_at)',
  }),
});
export type AlertList = Static<typeof AlertListSchema>;

const BackendState = Type.Object({
  kind: Type.String({ description: 'embedded, kafka, cassandra or s3' }),
  ok: Type.Boolean(),
  error: Type.Optional(Type.String()),
});
export const ReadySchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  backends: Type.Object({ eventLog: BackendState, viewStore: BackendState, objectStore: BackendState }),
  batch: Type.Object({
    run_id: Nullable(Type.String()),
    finished_at: Nullable(DateTime('when the latest complete run finished')),
    age_seconds: Nullable(Type.Number({ description: 'seconds since then' })),
    covered_until: Nullable(DateTime('its horizon')),
  }),
  problems: Type.Array(Type.String(), { description: 'what is not ready, by name' }),
});
export type Ready = Static<typeof ReadySchema>;

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  error: Type.String(),
  message: Type.String(),
  parameter: Type.Optional(Type.String({ description: 'the request parameter at fault (400)' })),
  backend: Type.Optional(Type.String({ description: 'the backend that did not answer (503)' })),
});
export type ApiError = Static<typeof ErrorSchema>;
