import { describe, expect, it } from 'vitest';
import { expectedTick, S0 } from './fixtures/expected-ticks.js';
import { TradeAggregator } from './trade-aggregator.js';

const trade = (symbol: string, atMs: number, price: number, volume: number) => ({
  symbol,
  price,
  volume,
  timeMs: S0 + atMs,
});
const tick = expectedTick;

describe('trade aggregator', () => {
  it('makes one OHLCV tick per symbol and second, stamped with the start of the second', () => {
    const agg = new TradeAggregator({ graceMs: 0, idleFlushMs: 60_000 });
    for (const t of [
      trade('AAPL', 100, 10, 1),
      trade('AAPL', 200, 12, 2),
      trade('AAPL', 300, 9, 3),
      trade('AAPL', 999, 11, 4),
    ]) {
      expect(agg.add(t, 0).ticks).toEqual([]);
    }
    expect(agg.add(trade('AAPL', 1000, 11.5, 1), 0).ticks).toEqual([tick('AAPL', 0, 10, 12, 9, 11, 10)]);
    expect(agg.openSeconds()).toBe(1);
  });

  it('takes open and close from the earliest and latest trade time when trades arrive out of order', () => {
    const agg = new TradeAggregator({ graceMs: 0, idleFlushMs: 60_000 });
    for (const t of [
      trade('AAPL', 700, 13, 1),
      trade('AAPL', 100, 10, 1),
      trade('AAPL', 900, 11, 1),
      trade('AAPL', 400, 12, 1),
    ]) {
      agg.add(t, 0);
    }
    expect(agg.flushAll()).toEqual([tick('AAPL', 0, 10, 13, 10, 11, 4)]);
  });

  it('keeps a second open for the grace period, so a trade late by less still lands in it', () => {
    const agg = new TradeAggregator({ graceMs: 1000, idleFlushMs: 60_000 });
    agg.add(trade('AAPL', 500, 10, 1), 0);
    expect(agg.add(trade('AAPL', 1800, 20, 1), 0).ticks).toEqual([]); // second 0 still open (1.8 s < 1 s + 1 s)
    expect(agg.add(trade('AAPL', 900, 11, 1), 0)).toEqual({ ticks: [] }); // out of order across seconds: lands in 0
    expect(agg.add(trade('AAPL', 2100, 21, 1), 0).ticks).toEqual([tick('AAPL', 0, 10, 11, 10, 11, 2)]);
    // Second 0 is published: a trade for it now is refused as late, never a second tick.
    const late = agg.add(trade('AAPL', 950, 12, 1), 0);
    expect(late.ticks).toEqual([]);
    expect(late.late).toEqual({
      field: 'time',
      reason: 'late: the tick of 2026-12-01T14:30:00.000Z was already published',
    });
    expect(agg.flushAll()).toEqual([tick('AAPL', 1, 20, 20, 20, 20, 1), tick('AAPL', 2, 21, 21, 21, 21, 1)]);
  });

  it('advances each symbol by its own trades only', () => {
    const agg = new TradeAggregator({ graceMs: 0, idleFlushMs: 60_000 });
    agg.add(trade('AAPL', 100, 10, 1), 0);
    agg.add(trade('MSFT', 200, 20, 1), 0);
    expect(agg.add(trade('AAPL', 5000, 11, 1), 0).ticks).toEqual([tick('AAPL', 0, 10, 10, 10, 10, 1)]);
    expect(agg.flushAll()).toEqual([tick('AAPL', 5, 11, 11, 11, 11, 1), tick('MSFT', 0, 20, 20, 20, 20, 1)]);
  });

  it("closes a quiet symbol's open seconds once it has had no trade for the idle time (injected clock)", () => {
    const agg = new TradeAggregator({ graceMs: 1000, idleFlushMs: 2000 });
    agg.add(trade('AAPL', 100, 10, 1), 10_000);
    agg.add(trade('MSFT', 100, 20, 1), 11_000);
    expect(agg.flushIdle(11_999)).toEqual([]);
    expect(agg.flushIdle(12_000)).toEqual([tick('AAPL', 0, 10, 10, 10, 10, 1)]);
    expect(agg.flushIdle(13_000)).toEqual([tick('MSFT', 0, 20, 20, 20, 20, 1)]);
    expect(agg.add(trade('AAPL', 200, 10, 1), 14_000).late?.reason).toMatch(/^late/);
  });

  it('adds decimal volumes without binary noise', () => {
    const agg = new TradeAggregator({ graceMs: 0, idleFlushMs: 60_000 });
    agg.add(trade('BTC', 100, 64500, 0.1), 0);
    agg.add(trade('BTC', 200, 64500, 0.2), 0);
    expect(agg.flushAll()[0]?.volume).toBe(0.3);
  });

  it('counts trades per minute for a comparison with the service candle, once', () => {
    const agg = new TradeAggregator({ graceMs: 0, idleFlushMs: 60_000, countMinutes: true });
    agg.add(trade('BTC', 100, 1, 1), 0);
    agg.add(trade('BTC', 59_000, 1, 1), 0);
    agg.add(trade('BTC', 61_000, 1, 1), 0);
    expect(agg.takeMinuteTrades('BTC', S0)).toBe(2);
    expect(agg.takeMinuteTrades('BTC', S0)).toBe(0);
    expect(agg.takeMinuteTrades('BTC', S0 + 60_000)).toBe(1);
  });
});
