/**
 * Alerts: rules over a symbol's final minute windows, and the alerts they open and close.
 *
 * A rule is true at a final minute M for a symbol when, over its trailing window
 * [M + 1 min - window, M + 1 min), the symbol has at least `min_tweets` non-late tweets, their mean
 * compound passes the sentiment condition, and the price change (close of the window's last minute
 * with a tick against open of its first) passes the price condition. An alert opens at the first
 * such M and closes once the rule has been false for `cooldown` (docs/ARCHITECTURE.md, Alerts).
 *
 * The rule schema validates ALERT_RULES; the row schema is the Cassandra table `alerts_by_symbol`,
 * the `alerts` topic's payload and the API's alert, so none of them is written twice.
 */
import Type, { type Static } from 'typebox';
import { Column } from './columns.js';
import { SYMBOL_PATTERN_SOURCE } from './symbol.js';
import { MINUTE_MS } from './time.js';

export const RULE_ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const DURATION_PATTERN = '^[1-9][0-9]*m$';

export const AlertRuleSchema = Type.Object(
  {
    id: Type.String({ pattern: RULE_ID_PATTERN, description: 'unique; part of every alert id' }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    symbols: Type.Optional(
      Type.Array(Type.String({ pattern: SYMBOL_PATTERN_SOURCE }), {
        minItems: 1,
        description: 'symbols the rule watches; all symbols when absent',
      }),
    ),
    window: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description: 'trailing window in whole minutes, e.g. "5m" (default); at most 60m',
      }),
    ),
    min_tweets: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'tweets the window needs before the rule can be true (default 5)',
      }),
    ),
    sentiment: Type.Union(
      [
        Type.Object(
          { mean_compound_below: Type.Number({ minimum: -1, maximum: 1 }) },
          { additionalProperties: false },
        ),
        Type.Object(
          { mean_compound_above: Type.Number({ minimum: -1, maximum: 1 }) },
          { additionalProperties: false },
        ),
      ],
      { description: 'mean compound of the window strictly below or strictly above a bound' },
    ),
    price: Type.Union(
      [
        Type.Object(
          { change_at_most: Type.Number({ minimum: -1, maximum: 0 }) },
          { additionalProperties: false },
        ),
        Type.Object({ change_at_least: Type.Number({ minimum: 0 }) }, { additionalProperties: false }),
      ],
      {
        description:
          'relative change close/open - 1 over the window: at most a bound (e.g. -0.02) or at least one (e.g. 0.02)',
      },
    ),
    cooldown: Type.Optional(
      Type.String({
        pattern: DURATION_PATTERN,
        description: 'how long the rule must stay false before the alert closes, e.g. "5m" (default)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AlertRuleSpec = Static<typeof AlertRuleSchema>;

export const AlertRulesFileSchema = Type.Object(
  { rules: Type.Array(AlertRuleSchema) },
  { additionalProperties: false },
);

/** A rule with its defaults applied, durations in ms. */
export interface AlertRule {
  id: string;
  description: string;
  /** undefined: every symbol */
  symbols: readonly string[] | undefined;
  windowMs: number;
  minTweets: number;
  direction: AlertDirection;
  sentiment: { below: number } | { above: number };
  price: { atMost: number } | { atLeast: number };
  cooldownMs: number;
}

export const ALERT_DIRECTIONS = ['bearish', 'bullish'] as const;
export type AlertDirection = (typeof ALERT_DIRECTIONS)[number];
export const ALERT_STATUSES = ['open', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const DEFAULT_ALERT_WINDOW_MS = 5 * MINUTE_MS;
export const MAX_ALERT_WINDOW_MS = 60 * MINUTE_MS;
export const DEFAULT_ALERT_MIN_TWEETS = 5;
export const DEFAULT_ALERT_COOLDOWN_MS = 5 * MINUTE_MS;

/** The two rules that ship: the seed's "sentiment below -0.5 and price down 2 %", and its bullish twin. */
export const DEFAULT_ALERT_RULES: readonly AlertRuleSpec[] = [
  {
    id: 'bearish-sentiment-price-drop',
    description: 'mean compound below -0.5 over 5 minutes while the price falls 2 % or more',
    sentiment: { mean_compound_below: -0.5 },
    price: { change_at_most: -0.02 },
  },
  {
    id: 'bullish-sentiment-price-rise',
    description: 'mean compound above +0.5 over 5 minutes while the price rises 2 % or more',
    sentiment: { mean_compound_above: 0.5 },
    price: { change_at_least: 0.02 },
  },
];

/**
 * One alert as `alerts_by_symbol` holds it, the `alerts` topic carries it (one message when it
 * opens, one when it closes) and the API returns it. Figures are those of the opening window.
 */
export const AlertRowSchema = Type.Object({
  symbol: Column.text(),
  day: Column.date({ description: 'UTC day of opened_at' }),
  opened_at: Column.timestamp({ description: 'start of the final minute whose window made the rule true' }),
  rule: Column.text(),
  alert_id: Column.text({ description: 'rule:symbol:opening minute; the same on every replay' }),
  direction: Column.text({ enum: [...ALERT_DIRECTIONS] }),
  status: Column.text({ enum: [...ALERT_STATUSES] }),
  window_start: Column.timestamp({ description: 'start of the opening window' }),
  window_end: Column.timestamp({ description: 'end (exclusive) of the opening window' }),
  tweet_count: Column.bigint({ minimum: 0, description: 'tweets in the opening window' }),
  mean_compound: Column.double({ description: 'mean compound of the opening window' }),
  price_change: Column.double({ description: 'close/open - 1 over the opening window' }),
  open_price: Column.double({ description: 'open of the first minute of the opening window with a tick' }),
  close_price: Column.double({ description: 'close of the last minute of the opening window with a tick' }),
  last_true_at: Column.timestamp({
    description: 'start of the last final minute at which the rule was true',
  }),
  closed_at: Column.optional(
    Column.timestamp({
      description: 'start of the final minute at which the cool-down ran out; absent while open',
    }),
  ),
  updated_at: Column.timestamp({ description: 'processing time of the last upsert' }),
});
export type AlertRow = Static<typeof AlertRowSchema>;

export const ALERT_EVENTS = ['opened', 'closed'] as const;
export type AlertEventKind = (typeof ALERT_EVENTS)[number];

/** A message of the `alerts` topic: the alert as it stands after the event. */
export const AlertEventSchema = Type.Object({
  event: Type.Union([Type.Literal(ALERT_EVENTS[0]), Type.Literal(ALERT_EVENTS[1])]),
  /** `<alert_id>/<event>`: what a receiver de-duplicates on (also the webhook's Idempotency-Key). */
  key: Type.String(),
  alert: AlertRowSchema,
});
export type AlertEvent = Static<typeof AlertEventSchema>;

export const alertId = (rule: string, symbol: string, openedAt: number): string =>
  `${rule}:${symbol}:${new Date(openedAt).toISOString().slice(0, 16)}Z`;

export const alertEventKey = (alertIdValue: string, event: AlertEventKind): string =>
  `${alertIdValue}/${event}`;
