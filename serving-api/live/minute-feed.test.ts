import { describe, expect, it } from 'vitest';
import { MemoryViewStore } from '../../infra/cassandra/memory-view-store.js';
import type { ViewQuery, ViewRow, ViewStore } from '../../infra/cassandra/view-store.js';
import type { Alert } from '../../schemas/api.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import type { StreamMinute } from '../../schemas/stream.js';
import { HOUR_MS, MINUTE_MS, utcDay } from '../../schemas/time.js';
import { alertRow, BULLISH_RULE, putAlerts } from '../alerts/test-alerts.js';
import { FeedFullError, MinuteFeed } from './minute-feed.js';

const NOW = Date.UTC(2026, 11, 1, 12, 30, 20);
const MINUTE = NOW - (NOW % MINUTE_MS);

function minuteRow(symbol: string, minute: number, tweets: number, extra: Partial<SentimentMinuteRow> = {}) {
  return {
    symbol,
    day: utcDay(minute),
    minute,
    tweet_count: tweets,
    positive_count: tweets,
    neutral_count: 0,
    negative_count: 0,
    compound_sum: tweets * 0.5,
    tweet_count_5m: tweets,
    positive_count_5m: tweets,
    neutral_count_5m: 0,
    negative_count_5m: 0,
    compound_sum_5m: tweets * 0.5,
    tick_count: 1,
    close_price: 100 + tweets,
    final: false,
    updated_at: NOW,
    ...extra,
  } satisfies SentimentMinuteRow;
}

/** The memory store, counting the reads per symbol (the real store does the work). */
class CountingStore implements ViewStore {
  readonly reads = new Map<string, number>();
  /** Queries per table. */
  readonly tableReads = new Map<string, number>();
  constructor(private readonly inner: ViewStore) {}
  ensureSchema() {
    return this.inner.ensureSchema();
  }
  upsert(...args: Parameters<ViewStore['upsert']>) {
    return this.inner.upsert(...args);
  }
  query<R extends ViewRow = ViewRow>(table: Parameters<ViewStore['query']>[0], query: ViewQuery) {
    const symbol = String(query.partition.symbol);
    this.reads.set(symbol, (this.reads.get(symbol) ?? 0) + 1);
    this.tableReads.set(table, (this.tableReads.get(table) ?? 0) + 1);
    return this.inner.query<R>(table, query);
  }
  close() {
    return this.inner.close();
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function setup(options: { maxSymbols?: number; alertPollIntervalMs?: number } = {}) {
  const store = new CountingStore(new MemoryViewStore({ defaultTtlSeconds: 0, now: () => NOW }));
  const feed = new MinuteFeed({ viewStore: store, pollIntervalMs: 5, now: () => NOW, ...options });
  const upsert = (...rows: SentimentMinuteRow[]) => store.upsert(TABLES.sentimentByMinute.name, rows);
  return { store, feed, upsert };
}

describe('the minute feed behind /v1/stream', () => {
  it('reports a row once when it appears and again each time it changes', async () => {
    const { feed, upsert } = setup();
    const got: StreamMinute[] = [];
    const stop = feed.follow(['AAPL'], (row) => got.push(row));
    await upsert(minuteRow('AAPL', MINUTE, 2));
    await until(() => got.length === 1, 'the first row');
    const polls = feed.polls;
    await until(() => feed.polls >= polls + 3, 'three more polls');
    expect(got).toHaveLength(1);
    await upsert(minuteRow('AAPL', MINUTE, 3, { updated_at: NOW + 1 }));
    await until(() => got.length === 2, 'the update');
    expect(got.map((r) => r.tweets)).toEqual([2, 3]);
    expect(got[1]).toMatchObject({
      symbol: 'AAPL',
      minute: new Date(MINUTE).toISOString(),
      positive: 3,
      mean_compound: 0.5,
      close_price: 103,
      final: false,
    });
    stop();
    await feed.close();
  });

  it('reports the recent minutes oldest first, and not minutes outside the window', async () => {
    const { feed, upsert } = setup();
    await upsert(
      minuteRow('TSLA', MINUTE, 1),
      minuteRow('TSLA', MINUTE - MINUTE_MS, 2),
      minuteRow('TSLA', MINUTE - 4 * MINUTE_MS, 3),
      minuteRow('TSLA', MINUTE - 5 * MINUTE_MS, 4),
    );
    const got: StreamMinute[] = [];
    feed.follow(['TSLA'], (row) => got.push(row));
    await until(() => feed.polls >= 2, 'two polls');
    expect(got.map((r) => r.tweets)).toEqual([3, 2, 1]);
    await feed.close();
  });

  it('reads the view once per symbol per poll, however many clients follow it', async () => {
    const { feed, store } = setup();
    const stops = Array.from({ length: 10 }, () => feed.follow(['AAPL', 'BTC'], () => {}));
    await until(() => feed.polls >= 5, 'five polls');
    await feed.close();
    // One partition per symbol here (the window lies within one day): a read is one query.
    expect(store.reads.get('AAPL')).toBe(feed.polls);
    expect(store.reads.get('BTC')).toBe(feed.polls);
    for (const stop of stops) stop();
  });

  it('gives a client that joins late the rows already known, and only its symbols', async () => {
    const { feed, upsert } = setup();
    await upsert(minuteRow('AAPL', MINUTE, 5), minuteRow('MSFT', MINUTE, 6));
    const first: StreamMinute[] = [];
    feed.follow(['AAPL', 'MSFT'], (row) => first.push(row));
    await until(() => first.length === 2, 'both rows');
    const late: StreamMinute[] = [];
    feed.follow(['AAPL'], (row) => late.push(row));
    expect(late.map((r) => [r.symbol, r.tweets])).toEqual([['AAPL', 5]]);
    await feed.close();
  });

  it('stops polling when the last client leaves', async () => {
    const { feed, store } = setup();
    const stop = feed.follow(['AAPL'], () => {});
    await until(() => feed.polls >= 2, 'two polls');
    stop();
    expect(feed.followed()).toEqual([]);
    const reads = store.reads.get('AAPL');
    await new Promise((r) => setTimeout(r, 50));
    expect(store.reads.get('AAPL')).toBe(reads);
    await feed.close();
  });

  it('refuses more distinct symbols than it may poll', async () => {
    const { feed } = setup({ maxSymbols: 2 });
    feed.follow(['AAPL', 'TSLA'], () => {});
    // Symbols already followed cost nothing more.
    feed.follow(['AAPL'], () => {});
    expect(() => feed.follow(['BTC'], () => {})).toThrow(FeedFullError);
    expect(feed.followed().sort()).toEqual(['AAPL', 'TSLA']);
    await feed.close();
  });

  it('keeps polling after a failed read and reports the error', async () => {
    const store = new MemoryViewStore({ defaultTtlSeconds: 0, now: () => NOW });
    let failures = 1;
    const flaky: ViewStore = {
      ensureSchema: () => store.ensureSchema(),
      upsert: (...args) => store.upsert(...args),
      query: (table, query) =>
        failures-- > 0 ? Promise.reject(new Error('view store down')) : store.query(table, query),
      close: () => store.close(),
    };
    const errors: string[] = [];
    const feed = new MinuteFeed({
      viewStore: flaky,
      pollIntervalMs: 5,
      now: () => NOW,
      onError: (e) => errors.push(e.message),
    });
    await store.upsert(TABLES.sentimentByMinute.name, [minuteRow('AAPL', MINUTE, 1)]);
    const got: StreamMinute[] = [];
    feed.follow(['AAPL'], (row) => got.push(row));
    await until(() => got.length === 1, 'the row after the failure');
    expect(errors).toEqual(['view store down']);
    await feed.close();
  });

  it('reports an alert when it opens and again when it closes, once each', async () => {
    const { feed, store } = setup({ alertPollIntervalMs: 0 });
    const got: Alert[] = [];
    const minutes: StreamMinute[] = [];
    feed.follow(
      ['AAPL'],
      (row) => minutes.push(row),
      (alert) => got.push(alert),
    );
    const opened = MINUTE - 10 * MINUTE_MS;
    await putAlerts(store, [alertRow('AAPL', opened)]);
    await until(() => got.length === 1, 'the alert opening');
    const polls = feed.polls;
    await until(() => feed.polls >= polls + 3, 'three more polls');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ symbol: 'AAPL', status: 'open', closed_at: null, direction: 'bearish' });
    await putAlerts(store, [alertRow('AAPL', opened, { closedAt: MINUTE })]);
    await until(() => got.length === 2, 'the alert closing');
    expect(got[1]).toMatchObject({
      alert_id: got[0]?.alert_id,
      status: 'closed',
      closed_at: new Date(MINUTE).toISOString(),
    });
    expect(minutes).toEqual([]);
    await feed.close();
  });

  it('gives a client the alerts of the look-back already known, oldest first, and none older', async () => {
    const { feed, store } = setup({ alertPollIntervalMs: 0 });
    await putAlerts(store, [
      alertRow('TSLA', NOW - 25 * HOUR_MS),
      // Yesterday's partition (NOW is 12:30 UTC).
      alertRow('TSLA', MINUTE - 23 * HOUR_MS, { closedAt: MINUTE - 22 * HOUR_MS }),
      alertRow('TSLA', MINUTE - HOUR_MS, { rule: BULLISH_RULE }),
      alertRow('AAPL', MINUTE - HOUR_MS),
    ]);
    const first: Alert[] = [];
    feed.follow(
      ['TSLA'],
      () => {},
      (alert) => first.push(alert),
    );
    await until(() => first.length === 2, 'the two recent alerts');
    const late: Alert[] = [];
    feed.follow(
      ['TSLA'],
      () => {},
      (alert) => late.push(alert),
    );
    for (const list of [first, late]) {
      expect(list.map((a) => [a.symbol, a.opened_at, a.status])).toEqual([
        ['TSLA', new Date(MINUTE - 23 * HOUR_MS).toISOString(), 'closed'],
        ['TSLA', new Date(MINUTE - HOUR_MS).toISOString(), 'open'],
      ]);
    }
    await feed.close();
  });

  it('reads the alerts of a symbol at most once per alert poll interval, and not without an alert listener', async () => {
    const { feed, store } = setup({ alertPollIntervalMs: 3_600_000 });
    feed.follow(['AAPL'], () => {});
    await until(() => feed.polls >= 3, 'three polls');
    expect(store.tableReads.get(TABLES.alertsBySymbol.name)).toBeUndefined();
    feed.follow(
      ['AAPL'],
      () => {},
      () => {},
    );
    const polls = feed.polls;
    await until(() => feed.polls >= polls + 5, 'five more polls');
    // One read of the look-back: today's and yesterday's partitions.
    expect(store.tableReads.get(TABLES.alertsBySymbol.name)).toBe(2);
    await feed.close();
  });
});
