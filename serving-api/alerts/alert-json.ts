/** An `alerts_by_symbol` row as the API and the stream send it (schemas/api.ts AlertSchema). */
import type { AlertDirection, AlertRow, AlertStatus } from '../../schemas/alerts.js';
import type { Alert } from '../../schemas/api.js';
import { formatEventTime } from '../../schemas/time.js';

export function alertJson(row: AlertRow): Alert {
  return {
    alert_id: row.alert_id,
    symbol: row.symbol,
    rule: row.rule,
    direction: row.direction as AlertDirection,
    status: row.status as AlertStatus,
    opened_at: formatEventTime(row.opened_at),
    closed_at: row.closed_at === undefined ? null : formatEventTime(row.closed_at),
    last_true_at: formatEventTime(row.last_true_at),
    window_start: formatEventTime(row.window_start),
    window_end: formatEventTime(row.window_end),
    tweet_count: row.tweet_count,
    mean_compound: row.mean_compound,
    price_change: row.price_change,
    open_price: row.open_price,
    close_price: row.close_price,
    updated_at: formatEventTime(row.updated_at),
  };
}
