import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryViewStore } from '../../infra/cassandra/memory-view-store.js';
import type { ViewQuery, ViewRow, ViewStore } from '../../infra/cassandra/view-store.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';
import { backendCall } from '../backend-call.js';
import type { MinuteCacheOptions } from './minute-cache.js';
import { SpeedReader } from './speed-reader.js';

const DAY0 = Date.parse('2026-05-04T00:00:00Z');
const T0 = DAY0 + 10 * 3_600_000;
const SETTLE = 30_000;
const COALESCE = 250;
const TTL = 48 * 3_600_000;

/** The memory store, recording every query it answers and how many rows it returned. */
class CountingStore implements ViewStore {
  readonly queries: { query: ViewQuery; rows: number }[] = [];
  constructor(private readonly inner: ViewStore) {}
  ensureSchema() {
    return this.inner.ensureSchema();
  }
  upsert(...args: Parameters<ViewStore['upsert']>) {
    return this.inner.upsert(...args);
  }
  async query<R extends ViewRow = ViewRow>(table: Parameters<ViewStore['query']>[0], query: ViewQuery) {
    const rows = await this.inner.query<R>(table, query);
    this.queries.push({ query, rows: rows.length });
    return rows;
  }
  close() {
    return this.inner.close();
  }
}

function minuteRow(
  minute: number,
  final: boolean,
  updatedAt: number,
  tweets = 3,
  symbol = 'AAPL',
): SentimentMinuteRow {
  return {
    symbol,
    day: utcDay(minute),
    minute,
    tweet_count: tweets,
    positive_count: tweets,
    neutral_count: 0,
    negative_count: 0,
    compound_sum: tweets * 0.25,
    tweet_count_5m: tweets,
    positive_count_5m: tweets,
    neutral_count_5m: 0,
    negative_count_5m: 0,
    compound_sum_5m: tweets * 0.25,
    tick_count: 1,
    open_price: 100 + tweets,
    close_price: 101 + tweets,
    final,
    updated_at: updatedAt,
  };
}

function setup(cache: Partial<Omit<MinuteCacheOptions, 'store' | 'call' | 'now'>> = {}, ttlSeconds = 0) {
  const clock = { t: T0 };
  const now = () => clock.t;
  const inner = new MemoryViewStore({ defaultTtlSeconds: ttlSeconds, now });
  const store = new CountingStore(inner);
  const call = backendCall({ timeoutMs: 5_000 });
  const cached = new SpeedReader({
    store,
    backend: 'view store',
    call,
    minuteCache: {
      maxPartitions: 16,
      ttlMs: TTL,
      settleMs: SETTLE,
      maxAgeMs: 3_600_000,
      coalesceMs: COALESCE,
      now,
      ...cache,
    },
  });
  const uncached = new SpeedReader({ store: inner, backend: 'view store', call });
  const put = (...rows: SentimentMinuteRow[]) => inner.upsert('sentiment_by_minute', rows);
  /** The cached answer, checked against a read of the store itself. */
  const both = async (from: number, to: number, symbol = 'AAPL') => {
    const [a, b] = [await cached.minutes(symbol, from, to), await uncached.minutes(symbol, from, to)];
    expect(a).toEqual(b);
    return a;
  };
  return { clock, store, cached, put, both };
}

const m = (i: number) => T0 + i * MINUTE_MS;

describe('the speed view minute cache', () => {
  it('answers exactly what an uncached read answers as minutes turn final and late minutes arrive', async () => {
    const { clock, put, both } = setup();
    // Minutes 0-19 final and written long ago; 20-22 not final yet (21 has no row).
    await put(...Array.from({ length: 20 }, (_, i) => minuteRow(m(i), true, m(i) + 3 * MINUTE_MS)));
    await put(minuteRow(m(20), false, m(22)), minuteRow(m(22), false, m(22)));
    clock.t = m(23);
    expect((await both(m(0), m(30))).length).toBe(22);
    await both(m(5), m(21));

    // Between two requests: minute 20 turns final with other figures, a late non-final minute 21
    // arrives, and 22 is updated.
    clock.t += 1_000;
    await put(
      minuteRow(m(20), true, clock.t, 7),
      minuteRow(m(21), false, clock.t, 2),
      minuteRow(m(22), false, clock.t, 9),
    );
    const after = await both(m(0), m(30));
    expect(after.map((r) => [r.minute, r.tweet_count, r.final]).slice(0, 3)).toEqual([
      [m(22), 9, false],
      [m(21), 2, false],
      [m(20), 7, true],
    ]);

    // Once minute 20's final row has settled, and after 21 and 22 have changed again.
    clock.t += SETTLE + 1;
    await both(m(0), m(30));
    await put(minuteRow(m(21), true, clock.t, 4), minuteRow(m(22), false, clock.t, 11));
    clock.t += COALESCE;
    await both(m(0), m(30));
    await both(m(21), m(22));
    clock.t += SETTLE + COALESCE;
    await both(m(19), m(23));
  });

  it('matches an uncached read over any history the speed layer can write', async () => {
    // The speed layer's guarantee, modelled: rows at or above the watermark change freely and
    // are not final; a watermark step writes the minutes it passes as final, once, and no row
    // appears below the watermark afterwards. No coalescing window: its answers are up to that
    // window old by design (tested below).
    const step = fc.oneof(
      fc.record({ kind: fc.constant('upsert' as const), at: fc.nat(6), tweets: fc.nat(20) }),
      fc.record({
        kind: fc.constant('advance' as const),
        by: fc.integer({ min: 1, max: 4 }),
        skip: fc.nat(3),
      }),
      fc.record({
        kind: fc.constant('wait' as const),
        ms: fc.constantFrom(10, COALESCE, SETTLE, 2 * SETTLE),
      }),
      fc.record({
        kind: fc.constant('read' as const),
        from: fc.nat(40),
        span: fc.integer({ min: 1, max: 40 }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
        const { clock, put, both } = setup({ coalesceMs: 0 });
        let watermark = 0;
        const open = new Map<number, SentimentMinuteRow>();
        for (const s of steps) {
          if (s.kind === 'upsert') {
            const minute = m(watermark + s.at);
            const row = minuteRow(minute, false, clock.t, s.tweets);
            open.set(minute, row);
            await put(row);
          } else if (s.kind === 'advance') {
            const next = watermark + s.by;
            const rows: SentimentMinuteRow[] = [];
            for (let i = watermark; i < next; i++) {
              const row = open.get(m(i));
              open.delete(m(i));
              // Some passed minutes get their first row now, already final; some have none.
              if (row) rows.push({ ...row, final: true, updated_at: clock.t });
              else if (i % (s.skip + 2) === 0) rows.push(minuteRow(m(i), true, clock.t, 1));
            }
            watermark = next;
            if (rows.length > 0) await put(...rows);
          } else if (s.kind === 'wait') clock.t += s.ms;
          else await both(m(s.from), m(s.from + s.span));
          clock.t += 1;
        }
        await both(m(0), m(60));
      }),
      { numRuns: 150 },
    );
  });

  it('reads only the not-yet-final tail on a repeated query, never the final rows again', async () => {
    const { clock, store, put, both } = setup();
    await put(...Array.from({ length: 300 }, (_, i) => minuteRow(m(i), true, m(i) + 2 * MINUTE_MS)));
    await put(minuteRow(m(300), false, m(301)), minuteRow(m(301), false, m(301)));
    clock.t = m(302);
    await both(m(0), m(302));
    const first = store.queries.length;
    expect(store.queries.map((q) => q.rows)).toEqual([302]);
    clock.t += COALESCE;
    await both(m(100), m(302));
    await both(m(0), m(302));
    const tail = store.queries.slice(first);
    expect(tail.map((q) => q.rows)).toEqual([2]);
    expect(tail[0]?.query.range).toEqual({ gte: m(300) });
  });

  it('makes one view-store query for concurrent reads of one partition, and reuses it briefly', async () => {
    const { clock, store, cached, put } = setup();
    await put(minuteRow(m(0), true, m(0) - SETTLE), minuteRow(m(1), false, m(1)));
    clock.t = m(2);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => cached.minutes('AAPL', m(0), m(2 + i))),
    );
    expect(store.queries).toHaveLength(1);
    expect(new Set(answers.map((a) => a.length))).toEqual(new Set([2]));
    clock.t += COALESCE;
    await Promise.all(Array.from({ length: 20 }, () => cached.minutes('AAPL', m(0), m(2))));
    expect(store.queries).toHaveLength(2);
    clock.t += COALESCE - 1;
    await cached.minutes('AAPL', m(0), m(2));
    expect(store.queries).toHaveLength(2);
    clock.t += 1;
    await cached.minutes('AAPL', m(0), m(2));
    expect(store.queries).toHaveLength(3);
  });

  it('does not settle the minutes below a final row until it is older than the settle time', async () => {
    // Two batches' writes in flight: minute 6's final row lands before minute 5's, which the
    // watermark had passed in the earlier batch.
    const { clock, put, both } = setup();
    await put(...[0, 1, 2, 3, 4, 6].map((i) => minuteRow(m(i), true, m(8))), minuteRow(m(7), false, m(8)));
    clock.t = m(8) + 100;
    expect(await both(m(0), m(8))).toHaveLength(7);
    await put(minuteRow(m(5), true, m(8)));
    clock.t += COALESCE;
    expect(await both(m(0), m(8))).toHaveLength(8);
  });

  it('keeps at most the configured partitions, dropping the least recently used', async () => {
    const { clock, store, cached, put } = setup({ maxPartitions: 2 });
    for (const symbol of ['AAPL', 'MSFT', 'TSLA'])
      await put(minuteRow(m(0), true, m(0), 1, symbol), minuteRow(m(1), false, m(1), 1, symbol));
    clock.t = m(0) + SETTLE + 1;
    await cached.minutes('AAPL', m(0), m(2));
    await cached.minutes('MSFT', m(0), m(2));
    clock.t += COALESCE;
    await cached.minutes('AAPL', m(0), m(2)); // AAPL is now the most recently used
    await cached.minutes('TSLA', m(0), m(2)); // drops MSFT
    expect(cached.minuteCache?.size).toBe(2);
    const before = store.queries.length;
    clock.t += COALESCE;
    await cached.minutes('AAPL', m(0), m(2));
    await cached.minutes('MSFT', m(0), m(2));
    expect(store.queries.slice(before).map((q) => [q.query.partition.symbol, q.query.range])).toEqual([
      ['AAPL', { gte: m(1) }],
      // Read whole: from the start of its day (the TTL reaches further back).
      ['MSFT', { gte: DAY0 }],
    ]);
  });

  it('does not answer a cached row once its TTL may have removed it from the view', async () => {
    // A minute written early (its event time ahead of the writer's clock) expires while the
    // merge still asks for it: the cache must drop it when the store does.
    const ttlSeconds = 600;
    const { clock, put, both } = setup({ ttlMs: ttlSeconds * 1000 }, ttlSeconds);
    await put(minuteRow(m(5), true, T0), minuteRow(m(6), false, T0));
    clock.t = T0 + SETTLE + 1;
    expect(await both(m(0), m(20))).toHaveLength(2);
    clock.t = T0 + ttlSeconds * 1000;
    expect(await both(m(5), m(20))).toHaveLength(0);
  });

  it('reads a partition whole again once it is older than the maximum age', async () => {
    const { clock, store, cached, put } = setup({ maxAgeMs: 60_000 });
    await put(minuteRow(m(0), true, T0 - SETTLE), minuteRow(m(1), false, T0));
    clock.t = T0 + 1_000;
    await cached.minutes('AAPL', m(0), m(2));
    clock.t += 59_999;
    await cached.minutes('AAPL', m(0), m(2));
    expect(store.queries).toHaveLength(2);
    clock.t += 1;
    await cached.minutes('AAPL', m(0), m(2));
    expect(store.queries.map((q) => q.query.range)).toEqual([{ gte: DAY0 }, { gte: m(1) }, { gte: DAY0 }]);
  });

  it('answers a read from below the start of a partition still loading with every row it asks for', async () => {
    const { clock, cached, put } = setup({ ttlMs: 10 * MINUTE_MS });
    await put(minuteRow(m(-11), true, m(-9)), minuteRow(m(-5), true, m(-3)), minuteRow(m(-1), false, m(0)));
    clock.t = m(0);
    // The first read loads from now - ttl; the second, concurrent, asks from earlier.
    const [first, second] = await Promise.all([
      cached.minutes('AAPL', m(-5), m(1)),
      cached.minutes('AAPL', m(-12), m(1)),
    ]);
    expect(first.map((r) => r.minute)).toEqual([m(-1), m(-5)]);
    expect(second.map((r) => r.minute)).toEqual([m(-1), m(-5), m(-11)]);
  });

  it('reads across the day partitions of a range, newest first', async () => {
    const { clock, put, both } = setup();
    const midnight = Date.parse('2026-05-05T00:00:00Z');
    await put(
      minuteRow(midnight - MINUTE_MS, true, midnight),
      minuteRow(midnight, true, midnight + MINUTE_MS),
      minuteRow(midnight + MINUTE_MS, false, midnight + MINUTE_MS),
    );
    clock.t = midnight + 2 * MINUTE_MS + SETTLE;
    const rows = await both(midnight - 10 * MINUTE_MS, midnight + 10 * MINUTE_MS);
    expect(rows.map((r) => r.minute)).toEqual([midnight + MINUTE_MS, midnight, midnight - MINUTE_MS]);
  });
});
