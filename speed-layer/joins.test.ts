import { describe, expect, it } from 'vitest';
import type { TweetBySymbolRow } from '../schemas/rows.js';
import { MINUTE_MS } from '../schemas/time.js';
import {
  AsOfJoin,
  addTickToCandle,
  type CandleTick,
  emptyCandle,
  minuteRow,
  type PricedTweetRow,
} from './joins.js';
import { emptyTweetAggregate } from './windows.js';

const T12 = Date.UTC(2025, 0, 6, 12, 0, 0);
const DELAY = 120_000;

const tick = (tradeTimestamp: number, offset: number, close: number, volume = 1): CandleTick => ({
  tradeTimestamp,
  offset,
  open: close - 0.5,
  high: close + 1,
  low: close - 1,
  close,
  volume,
});

const tweet = (created_at: number, symbol = 'AAPL'): TweetBySymbolRow => ({
  symbol,
  day: '2025-01-06',
  created_at,
  id: `t${created_at}`,
  text: 'x',
  user_id: 'u',
  compound: 0,
  pos: 0,
  neu: 1,
  neg: 0,
  label: 'neutral',
});

describe('minute candles', () => {
  it('take open from the first tick and close from the last by (trade_timestamp, offset), whatever the arrival order', () => {
    const ticks = [
      tick(T12 + 5, 3, 101),
      tick(T12 + 5, 2, 100),
      tick(T12 + 30_000, 4, 110, 2),
      tick(T12 + 59_999, 5, 90),
    ];
    for (const order of [ticks, [...ticks].reverse(), [ticks[2], ticks[0], ticks[3], ticks[1]]]) {
      const c = emptyCandle();
      for (const t of order) addTickToCandle(c, t as CandleTick);
      expect(c).toMatchObject({ count: 4, open: 99.5, close: 90, high: 111, low: 89, volume: 5 });
    }
  });

  it('make a row with tweet_count 0 for a minute with ticks and no tweets', () => {
    const c = emptyCandle();
    addTickToCandle(c, tick(T12, 1, 100));
    const row = minuteRow(
      'AAPL',
      '2025-01-06',
      T12,
      emptyTweetAggregate(),
      emptyTweetAggregate(),
      c,
      true,
      7,
    );
    expect(row).toMatchObject({
      tweet_count: 0,
      tweet_count_5m: 0,
      tick_count: 1,
      open_price: 99.5,
      close_price: 100,
    });
    expect(row).not.toHaveProperty('compound_min');
    expect(row).not.toHaveProperty('compound_max_5m');
  });

  it('leave the prices out of a minute with tweets and no ticks', () => {
    const tweets = {
      ...emptyTweetAggregate(),
      count: 1,
      positive: 1,
      compoundSum: 0.5,
      compoundMin: 0.5,
      compoundMax: 0.5,
    };
    const row = minuteRow('AAPL', '2025-01-06', T12, tweets, tweets, emptyCandle(), false, 7);
    expect(row).toMatchObject({
      tweet_count: 1,
      tick_count: 0,
      compound_min: 0.5,
      final: false,
      updated_at: 7,
    });
    for (const column of ['open_price', 'high_price', 'low_price', 'close_price', 'volume']) {
      expect(row).not.toHaveProperty(column);
    }
  });
});

describe('as-of join', () => {
  it('gives no price when there is no tick yet', () => {
    const j = new AsOfJoin(DELAY);
    const row = j.priced(tweet(T12));
    expect(row).not.toHaveProperty('price_at_tweet');
    expect(row).not.toHaveProperty('price_tick_at');
  });

  it('ignores a tick after the tweet', () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('AAPL', T12 - 1_000, 1, 100);
    j.addTick('AAPL', T12 + 1, 2, 200);
    expect(j.priced(tweet(T12))).toMatchObject({ price_at_tweet: 100, price_tick_at: T12 - 1_000 });
  });

  it('takes a tick at exactly the tweet time', () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('AAPL', T12, 1, 100);
    expect(j.priced(tweet(T12))).toMatchObject({ price_at_tweet: 100 });
  });

  it('ignores a tick older than the delay, and takes one exactly the delay old', () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('AAPL', T12 - DELAY - 1, 1, 100);
    expect(j.priced(tweet(T12))).not.toHaveProperty('price_at_tweet');
    j.addTick('AAPL', T12 - DELAY, 2, 101);
    expect(j.priced(tweet(T12))).toMatchObject({ price_at_tweet: 101 });
  });

  it('takes the last by offset of ticks with equal timestamps, whatever the arrival order', () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('AAPL', T12, 7, 107);
    j.addTick('AAPL', T12, 9, 109);
    j.addTick('AAPL', T12, 8, 108);
    expect(j.priced(tweet(T12 + 10))).toMatchObject({ price_at_tweet: 109, price_tick_at: T12 });
  });

  it("joins only the tweet's own symbol", () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('TSLA', T12, 1, 300);
    expect(j.priced(tweet(T12))).not.toHaveProperty('price_at_tweet');
  });

  it('releases a waiting row below the threshold, again only if its price changed', () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('AAPL', T12 - 5_000, 1, 100);
    const a = j.priced(tweet(T12));
    const b = j.priced(tweet(T12 + 1_000));
    j.await(b);
    j.await(a);
    j.addTick('AAPL', T12 + 500, 2, 105);
    const released: PricedTweetRow[] = [];
    j.release(T12 + 1_000, (row) => released.push(row));
    expect(released).toEqual([]);
    expect(j.pendingCount()).toBe(1);
    j.release(T12 + 1_001, (row) => released.push(row));
    expect(released).toMatchObject([
      { created_at: T12 + 1_000, price_at_tweet: 105, price_tick_at: T12 + 500 },
    ]);
    expect(j.pendingCount()).toBe(0);
  });

  it('evicts ticks no row can join any more', () => {
    const j = new AsOfJoin(DELAY);
    for (let s = 0; s < 600; s++) j.addTick('AAPL', T12 + s * 1_000, s, s);
    j.evict(T12 + 10 * MINUTE_MS);
    expect(j.bufferedTicks()).toBe(120);
    for (let s = 600; s < 1_200; s++) j.addTick('AAPL', T12 + s * 1_000, s, s);
    j.evict(T12 + 19 * MINUTE_MS);
    expect(j.bufferedTicks()).toBe(180);
    expect(j.priced(tweet(T12 + 19 * MINUTE_MS))).toMatchObject({ price_at_tweet: 1_140 });
  });

  it('continues after snapshot → JSON → restore', () => {
    const j = new AsOfJoin(DELAY);
    j.addTick('AAPL', T12, 1, 100);
    j.await(j.priced(tweet(T12 + 10)));
    const r = AsOfJoin.restore(JSON.parse(JSON.stringify(j.snapshot())), DELAY);
    for (const x of [j, r]) x.addTick('AAPL', T12 + 5, 2, 101);
    const out = (x: AsOfJoin) => {
      const rows: PricedTweetRow[] = [];
      x.release(T12 + 11, (row) => rows.push(row));
      return rows;
    };
    expect(out(r)).toEqual(out(j));
    expect(r.bufferedTicks()).toBe(2);
  });
});
