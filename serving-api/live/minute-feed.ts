/**
 * The source of `/v1/stream`: polls the speed view `sentiment_by_minute` for the recent minutes of
 * every symbol someone follows and tells each follower about the rows that changed.
 *
 * Why polling: with real backends the API and the speed layer are separate processes, and the
 * view store is the only thing both see; Cassandra has no change feed we could subscribe to. One
 * feed per app, one poll loop for the union of the followed symbols (one range read per symbol
 * per poll, whatever the number of clients), stopped while nobody follows anything.
 *
 * Which minutes: a minute's row is upserted until the watermark passes its end (WATERMARK_DELAY
 * after it), so the feed reads the last `windowMinutes` minutes of wall-clock time (plus the
 * next one, for producers slightly ahead) and reports a row whenever its content differs from the
 * last one it saw.
 *
 * Alerts: the same loop reads `alerts_by_symbol` for the alerts opened in the last
 * `alertLookbackMs` (today's and yesterday's partitions by default), at most every
 * `alertPollIntervalMs` per symbol, and reports an alert when it first appears and whenever its row
 * changes (opened → closed). An alert that closes after it has left the look-back is not reported.
 */

import { readRange } from '../../infra/cassandra/range-reader.js';
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import type { AlertRow } from '../../schemas/alerts.js';
import type { Alert } from '../../schemas/api.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import type { StreamMinute } from '../../schemas/stream.js';
import { DAY_MS, formatEventTime, MINUTE_MS, windowStart } from '../../schemas/time.js';
import { alertJson } from '../alerts/alert-json.js';
import { readSymbolAlerts } from '../alerts/alert-reader.js';

export interface MinuteFeedOptions {
  viewStore: ViewStore;
  /** Between the end of one poll and the start of the next; default 1000 ms. */
  pollIntervalMs?: number;
  /** Recent minutes read per poll; default 5 (a minute is final 2 min after its end by default). */
  windowMinutes?: number;
  /** Most distinct symbols followed at once over all clients; default 500. */
  maxSymbols?: number;
  /** Alerts opened this long before now are re-read for changes; default 24 h. */
  alertLookbackMs?: number;
  /**
   * Least time between two reads of a symbol's alerts (processing time); default 5 s. An alert
   * opens or closes at most once a minute per rule, on final minutes only, so a few seconds of
   * delay cost little, and each read of the look-back is up to two partition queries.
   */
  alertPollIntervalMs?: number;
  now?: () => number;
  onError?: (error: Error) => void;
}

export type MinuteListener = (row: StreamMinute) => void;
export type AlertListener = (alert: Alert) => void;

/** Thrown by `follow` when the feed already polls as many symbols as it may. */
export class FeedFullError extends Error {}

interface SymbolState {
  listeners: Set<MinuteListener>;
  /** minute (epoch ms) → the JSON of the row last seen, to tell a changed row from a re-read one. */
  seen: Map<number, string>;
  latest: Map<number, StreamMinute>;
  alertListeners: Set<AlertListener>;
  /** alert id → the JSON of the row last seen, and the alert as last sent. */
  alertsSeen: Map<string, { text: string; openedAt: number; alert: Alert }>;
  /** Processing time of the last alert read; -Infinity before the first. */
  alertsReadAt: number;
}

/** Alert rows read per page of the look-back. */
const ALERT_PAGE = 200;

export function toStreamMinute(row: SentimentMinuteRow): StreamMinute {
  const out: StreamMinute = {
    symbol: row.symbol,
    minute: formatEventTime(row.minute),
    tweets: row.tweet_count,
    positive: row.positive_count,
    neutral: row.neutral_count,
    negative: row.negative_count,
    mean_compound: row.tweet_count > 0 ? row.compound_sum / row.tweet_count : null,
    ticks: row.tick_count,
    final: row.final,
    updated_at: formatEventTime(row.updated_at),
  };
  if (row.open_price !== undefined) out.open_price = row.open_price;
  if (row.high_price !== undefined) out.high_price = row.high_price;
  if (row.low_price !== undefined) out.low_price = row.low_price;
  if (row.close_price !== undefined) out.close_price = row.close_price;
  if (row.volume !== undefined) out.volume = row.volume;
  return out;
}

export class MinuteFeed {
  private readonly symbols = new Map<string, SymbolState>();
  private readonly pollIntervalMs: number;
  private readonly windowMinutes: number;
  private readonly maxSymbols: number;
  private readonly alertLookbackMs: number;
  private readonly alertPollIntervalMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  /** Completed polls; for tests and the metric of a stalled feed. */
  polls = 0;

  constructor(private readonly options: MinuteFeedOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.windowMinutes = options.windowMinutes ?? 5;
    this.maxSymbols = options.maxSymbols ?? 500;
    this.alertLookbackMs = options.alertLookbackMs ?? DAY_MS;
    this.alertPollIntervalMs = options.alertPollIntervalMs ?? 5000;
    this.now = options.now ?? Date.now;
  }

  /** Symbols currently polled. */
  followed(): string[] {
    return [...this.symbols.keys()];
  }

  /**
   * Calls `listener` with every changed row of these symbols from the next poll on, after the
   * rows already known for them (so a new client sees the recent minutes at once), and
   * `onAlert`, likewise, with every new or changed alert. Returns the function that stops both.
   */
  follow(symbols: readonly string[], listener: MinuteListener, onAlert?: AlertListener): () => void {
    if (this.closed) throw new Error('the minute feed is closed');
    const fresh = symbols.filter((s) => !this.symbols.has(s));
    if (this.symbols.size + fresh.length > this.maxSymbols) {
      throw new FeedFullError(
        `the stream already follows ${this.symbols.size} symbols of at most ${this.maxSymbols}`,
      );
    }
    for (const symbol of symbols) {
      let state = this.symbols.get(symbol);
      if (!state) {
        state = {
          listeners: new Set(),
          seen: new Map(),
          latest: new Map(),
          alertListeners: new Set(),
          alertsSeen: new Map(),
          alertsReadAt: Number.NEGATIVE_INFINITY,
        };
        this.symbols.set(symbol, state);
      }
      state.listeners.add(listener);
      for (const row of [...state.latest.values()].sort((a, b) => a.minute.localeCompare(b.minute)))
        listener(row);
      if (onAlert) {
        state.alertListeners.add(onAlert);
        const known = [...state.alertsSeen.values()].sort((a, b) => a.openedAt - b.openedAt);
        for (const { alert } of known) onAlert(alert);
      }
    }
    this.schedule(0);
    return () => {
      for (const symbol of symbols) {
        const state = this.symbols.get(symbol);
        if (!state) continue;
        state.listeners.delete(listener);
        if (onAlert) state.alertListeners.delete(onAlert);
        if (state.listeners.size === 0 && state.alertListeners.size === 0) this.symbols.delete(symbol);
      }
      if (this.symbols.size === 0) this.stopTimer();
    };
  }

  /** Stops polling for good; waits for a poll in progress. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTimer();
    this.symbols.clear();
    await this.polling;
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.timer || this.polling || this.symbols.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.schedule(this.pollIntervalMs);
      });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    const current = windowStart(this.now(), MINUTE_MS);
    const from = current - (this.windowMinutes - 1) * MINUTE_MS;
    const to = current + 2 * MINUTE_MS;
    await Promise.all(
      [...this.symbols.keys()].map(async (symbol) => {
        await Promise.all([this.pollMinutes(symbol, from, to), this.pollAlerts(symbol, to)]);
      }),
    );
    this.polls++;
  }

  private async pollMinutes(symbol: string, from: number, to: number): Promise<void> {
    let rows: SentimentMinuteRow[];
    try {
      ({ rows } = await readRange<SentimentMinuteRow>(this.options.viewStore, {
        table: TABLES.sentimentByMinute.name,
        partition: { symbol },
        from,
        to,
        limit: this.windowMinutes + 2,
      }));
    } catch (error) {
      this.options.onError?.(error as Error);
      return;
    }
    // Unfollowed while the read ran.
    const state = this.symbols.get(symbol);
    if (!state) return;
    // Oldest first, so a client sees minutes in order.
    for (const row of rows.reverse()) {
      const text = JSON.stringify(row);
      if (state.seen.get(row.minute) === text) continue;
      state.seen.set(row.minute, text);
      const update = toStreamMinute(row);
      state.latest.set(row.minute, update);
      for (const listener of state.listeners) listener(update);
    }
    // Minutes that left the window are not read again; forget them.
    for (const minute of state.seen.keys()) {
      if (minute < from) {
        state.seen.delete(minute);
        state.latest.delete(minute);
      }
    }
  }

  private async pollAlerts(symbol: string, to: number): Promise<void> {
    const before = this.symbols.get(symbol);
    if (!before || before.alertListeners.size === 0) return;
    const readAt = performance.now();
    if (readAt - before.alertsReadAt < this.alertPollIntervalMs) return;
    before.alertsReadAt = readAt;
    const from = to - 2 * MINUTE_MS - this.alertLookbackMs;
    const rows: AlertRow[] = [];
    try {
      await readSymbolAlerts(this.options.viewStore, symbol, from, to, ALERT_PAGE, (page) => {
        rows.push(...page);
        return 'more';
      });
    } catch (error) {
      this.options.onError?.(error as Error);
      return;
    }
    const state = this.symbols.get(symbol);
    if (!state) return;
    // Oldest first, as the minutes.
    for (const row of rows.reverse()) {
      const text = JSON.stringify(row);
      if (state.alertsSeen.get(row.alert_id)?.text === text) continue;
      const alert = alertJson(row);
      state.alertsSeen.set(row.alert_id, { text, openedAt: row.opened_at, alert });
      for (const listener of state.alertListeners) listener(alert);
    }
    for (const [id, seen] of state.alertsSeen) if (seen.openedAt < from) state.alertsSeen.delete(id);
  }
}
