/** Alert events as the speed layer writes them to the `alerts` topic, for the webhook's tests. */

import type { OutgoingMessage } from '../../infra/kafka/event-log.js';
import { type AlertEvent, type AlertEventKind, alertEventKey, alertId } from '../../schemas/alerts.js';

const MINUTE_MS = 60_000;
export const TEST_ALERT_T0 = Date.UTC(2025, 0, 6, 14, 30);

/** The `n`-th bearish episode of `symbol` (one per 10 minutes), at its opening or its closing. */
export function testAlertEvent(symbol: string, n: number, event: AlertEventKind = 'opened'): AlertEvent {
  const rule = 'bearish-sentiment-price-drop';
  const openedAt = TEST_ALERT_T0 + n * 10 * MINUTE_MS;
  const id = alertId(rule, symbol, openedAt);
  return {
    // Cast: at bb79b8f AlertEventSchema's `event` union, built from a mapped array, has Static never.
    event: event as AlertEvent['event'],
    key: alertEventKey(id, event),
    alert: {
      symbol,
      day: new Date(openedAt).toISOString().slice(0, 10),
      opened_at: openedAt,
      rule,
      alert_id: id,
      direction: 'bearish',
      status: event === 'opened' ? 'open' : 'closed',
      window_start: openedAt - 4 * MINUTE_MS,
      window_end: openedAt + MINUTE_MS,
      tweet_count: 12,
      mean_compound: -0.61,
      price_change: -0.023,
      open_price: 100,
      close_price: 97.7,
      last_true_at: openedAt,
      ...(event === 'closed' ? { closed_at: openedAt + 6 * MINUTE_MS } : {}),
      updated_at: openedAt + 2 * MINUTE_MS,
    },
  };
}

/** The message the speed layer produces for an event: JSON, keyed by symbol. */
export function alertMessage(event: AlertEvent): OutgoingMessage {
  return { key: event.alert.symbol, value: JSON.stringify(event) };
}
