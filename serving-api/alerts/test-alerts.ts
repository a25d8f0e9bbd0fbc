/** Alert rows for the tests of the routes, the feed and the dashboard, as the speed layer upserts them. */
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import { type AlertDirection, type AlertRow, alertId } from '../../schemas/alerts.js';
import { TABLES } from '../../schemas/cassandra.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';

export const BEARISH_RULE = 'bearish-sentiment-price-drop';
export const BULLISH_RULE = 'bullish-sentiment-price-rise';

export interface AlertShape {
  rule?: string;
  direction?: AlertDirection;
  /** Closed at this minute; open when absent. */
  closedAt?: number;
  meanCompound?: number;
  priceChange?: number;
}

export function alertRow(symbol: string, openedAt: number, shape: AlertShape = {}): AlertRow {
  const direction = shape.direction ?? (shape.rule === BULLISH_RULE ? 'bullish' : 'bearish');
  const rule = shape.rule ?? (direction === 'bullish' ? BULLISH_RULE : BEARISH_RULE);
  const sign = direction === 'bullish' ? 1 : -1;
  const priceChange = shape.priceChange ?? sign * 0.025;
  const openPrice = 200;
  return {
    symbol,
    day: utcDay(openedAt),
    opened_at: openedAt,
    rule,
    alert_id: alertId(rule, symbol, openedAt),
    direction,
    status: shape.closedAt === undefined ? 'open' : 'closed',
    window_start: openedAt - 4 * MINUTE_MS,
    window_end: openedAt + MINUTE_MS,
    tweet_count: 12,
    mean_compound: shape.meanCompound ?? sign * 0.62,
    price_change: priceChange,
    open_price: openPrice,
    close_price: openPrice * (1 + priceChange),
    last_true_at: shape.closedAt === undefined ? openedAt : shape.closedAt - 5 * MINUTE_MS,
    ...(shape.closedAt === undefined ? {} : { closed_at: shape.closedAt }),
    updated_at: (shape.closedAt ?? openedAt) + 2 * MINUTE_MS,
  };
}

/** Upserts as the speed layer does: no expiry. */
export function putAlerts(store: ViewStore, rows: AlertRow[]): Promise<void> {
  return store.upsert(TABLES.alertsBySymbol.name, rows, { ttlSeconds: 0 });
}
