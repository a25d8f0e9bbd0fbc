/**
 * `GET /v1/stream`: the live feed of `sentiment_by_minute` rows as the speed layer upserts them,
 * as Server-Sent Events. The request's query and each event's payload are defined here; the
 * payload is the speed view's minute row (rows.ts) in the API's JSON form: ISO timestamps, counts
 * named as in the sentiment series, and the mean instead of the sum. The same stream carries the
 * followed symbols' alerts (`alerts_by_symbol`) as `alert` events, each the API's alert (api.ts).
 */
import Type, { type Static } from 'typebox';
import { AlertSchema } from './api.js';
import { SYMBOL_PATTERN_SOURCE } from './symbol.js';

/** How many symbols one stream may follow: each costs one view read per poll. */
export const STREAM_MAX_SYMBOLS = 20;

const SYMBOL_BODY = SYMBOL_PATTERN_SOURCE.slice(1, -1);

export const StreamQuerySchema = Type.Object({
  symbols: Type.String({
    pattern: `^${SYMBOL_BODY}(?:,${SYMBOL_BODY}){0,${STREAM_MAX_SYMBOLS - 1}}$`,
    description: `comma-separated symbols to follow, 1 to ${STREAM_MAX_SYMBOLS}, e.g. AAPL,TSLA (case-insensitive)`,
  }),
});
export type StreamQuery = Static<typeof StreamQuerySchema>;

const Price = (description: string) => Type.Optional(Type.Number({ description }));

/** The data of one `minute` event. */
export const StreamMinuteSchema = Type.Object({
  symbol: Type.String(),
  minute: Type.String({ format: 'date-time', description: 'window start; the window is [minute, +60 s)' }),
  tweets: Type.Integer({ minimum: 0 }),
  positive: Type.Integer({ minimum: 0 }),
  neutral: Type.Integer({ minimum: 0 }),
  negative: Type.Integer({ minimum: 0 }),
  mean_compound: Type.Union([Type.Number(), Type.Null()], { description: 'null when tweets is 0' }),
  ticks: Type.Integer({ minimum: 0 }),
  open_price: Price("the minute's first open"),
  high_price: Price("the minute's high"),
  low_price: Price("the minute's low"),
  close_price: Price("the minute's last close"),
  volume: Price("the minute's volume"),
  final: Type.Boolean({ description: 'true once the watermark has passed the minute: no more updates' }),
  updated_at: Type.String({ format: 'date-time', description: 'when the speed layer last upserted it' }),
});
export type StreamMinute = Static<typeof StreamMinuteSchema>;

/** The data of one `alert` event: the alert as `GET /v1/alerts` returns it, sent when it opens and when its row changes (closes). */
export const StreamAlertSchema = AlertSchema;
export type StreamAlert = Static<typeof StreamAlertSchema>;
