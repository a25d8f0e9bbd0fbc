/**
 * Reads `alerts_by_symbol` for `GET /v1/alerts`, through the view-store port and its range reader.
 *
 * Which alerts: those whose `opened_at` lies in [from, to), whatever their status. The table is
 * partitioned by the day of `opened_at`, so this reads exactly the day partitions of the range
 * and nothing else; an alert opened before `from` and still open is not in the answer (asking for
 * alerts that merely overlap the range would need the partitions back to `from` minus the longest
 * episode, and an episode has no longest).
 */
import { InFlightLimit } from '../../infra/cassandra/in-flight-limit.js';
import { type RangePage, readRange } from '../../infra/cassandra/range-reader.js';
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import type { AlertRow, AlertStatus } from '../../schemas/alerts.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { BackendCall } from '../backend-call.js';

export interface AlertFilter {
  rule?: string | undefined;
  status?: AlertStatus | undefined;
}

export interface AlertReaderOptions {
  store: ViewStore;
  backend: string;
  call: BackendCall;
  /** Symbols read at once by one request (default 4), each with up to 2 day queries in flight. */
  symbolConcurrency?: number;
}

export interface AlertAnswer {
  /** Newest opened_at first, then symbol, then rule. */
  rows: AlertRow[];
  /** More alerts matched than the limit. */
  truncated: boolean;
}

/** The answer's order: newest first; on the same minute by symbol, then by rule (the table's). */
export function newestFirst(a: AlertRow, b: AlertRow): number {
  return (
    b.opened_at - a.opened_at ||
    (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0) ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

const matches = (row: AlertRow, filter: AlertFilter) =>
  (filter.rule === undefined || row.rule === filter.rule) &&
  (filter.status === undefined || row.status === filter.status);

/**
 * One symbol's alerts with opened_at in [from, to), newest first, page by page through the range
 * reader, until the pages run out or `onPage` says it has enough. `call` wraps each read (the
 * route's timeout and error count).
 */
export async function readSymbolAlerts(
  store: ViewStore,
  symbol: string,
  from: number,
  to: number,
  pageSize: number,
  onPage: (rows: readonly AlertRow[]) => 'enough' | 'more',
  call: <T>(read: () => Promise<T>) => Promise<T> = (read) => read(),
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page: RangePage<AlertRow> = await call(() =>
      readRange<AlertRow>(store, {
        table: TABLES.alertsBySymbol.name,
        partition: { symbol },
        from,
        to,
        limit: pageSize,
        concurrency: 2,
        ...(cursor ? { cursor } : {}),
      }),
    );
    if (onPage(page.rows) === 'enough') return;
    cursor = page.cursor;
  } while (cursor);
}

export class AlertReader {
  constructor(private readonly options: AlertReaderOptions) {}

  async alerts(
    symbols: readonly string[],
    from: number,
    to: number,
    filter: AlertFilter,
    limit: number,
  ): Promise<AlertAnswer> {
    const gate = new InFlightLimit(this.options.symbolConcurrency ?? 4);
    // One more than the limit per symbol tells whether the merged answer was cut.
    const perSymbol = await Promise.all(
      symbols.map((symbol) => gate.run(() => this.symbolAlerts(symbol, from, to, filter, limit + 1))),
    );
    const rows = perSymbol.flat().sort(newestFirst);
    return { rows: rows.slice(0, limit), truncated: rows.length > limit };
  }

  /** Up to `wanted` matching alerts of one symbol, newest first; the filter reads on past rows it drops. */
  private async symbolAlerts(
    symbol: string,
    from: number,
    to: number,
    filter: AlertFilter,
    wanted: number,
  ): Promise<AlertRow[]> {
    const out: AlertRow[] = [];
    await readSymbolAlerts(
      this.options.store,
      symbol,
      from,
      to,
      wanted,
      (rows) => {
        for (const row of rows) {
          if (!matches(row, filter)) continue;
          out.push(row);
          if (out.length === wanted) return 'enough';
        }
        return 'more';
      },
      (read) => this.options.call(this.options.backend, read),
    );
    return out;
  }
}
