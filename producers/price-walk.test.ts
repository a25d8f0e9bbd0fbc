import { describe, expect, it } from 'vitest';
import { decodePriceTick } from '../schemas/events.js';
import { PriceWalk, type PriceWalkOptions } from './price-walk.js';
import { RegimeSchedule } from './regime-schedule.js';
import { tickMessage, tickMessages } from './synthetic-source.js';

const timeline = { clock: 'virtual', ratePerSecond: 50, jitterMs: 1000, lateRatio: 0.03 } as const;
const make = (options: Partial<PriceWalkOptions> = {}) => new PriceWalk({ seed: 7, timeline, ...options });

describe('price walk', () => {
  it('emits only ticks the schema accepts, with low <= open, close <= high', () => {
    // High volatility stresses the rounding of high and low.
    const walk = make({ volatilityPerHour: 0.5 });
    for (let i = 0; i < 20_000; i++) {
      const tick = walk.next();
      const wire = tickMessage(tick).value as string;
      expect(decodePriceTick(wire).ok, wire).toBe(true);
      expect(tick.low_price).toBeLessThanOrEqual(Math.min(tick.open_price, tick.close_price));
      expect(tick.high_price).toBeGreaterThanOrEqual(Math.max(tick.open_price, tick.close_price));
      expect(tick.low_price).toBeGreaterThan(0);
      expect(tick.volume).toBeGreaterThanOrEqual(0);
    }
  });

  it('reproduces the same ticks from the same seed', () => {
    const a = [...tickMessages(make(), { count: 2000 })].map((m) => m.value);
    const b = [...tickMessages(make(), { count: 2000 })].map((m) => m.value);
    expect(b).toEqual(a);
  });

  it('opens each tick at the previous close of the same symbol', () => {
    const walk = make({ symbols: ['AAPL', 'BTC'] });
    const last = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const tick = walk.next();
      const previous = last.get(tick.symbol);
      if (previous !== undefined) expect(tick.open_price).toBe(previous);
      last.set(tick.symbol, tick.close_price);
    }
  });

  it('keys ticks by symbol', () => {
    const keys = new Set(
      [...tickMessages(make({ symbols: ['AAPL', 'ETH'] }), { count: 10 })].map((m) => m.key),
    );
    expect(keys).toEqual(new Set(['AAPL', 'ETH']));
  });

  it('drifts up in bullish regimes and down in bearish ones when coupled', () => {
    const move = (share: { bullishShare: number; bearishShare: number }, regimeDriftPerHour: number) => {
      const walk = make({
        symbols: ['AAPL'],
        volatilityPerHour: 0,
        regimeDriftPerHour,
        schedule: new RegimeSchedule({ seed: 1, ...share }),
        timeline: { ...timeline, jitterMs: 0, lateRatio: 0, ratePerSecond: 1 },
      });
      const first = walk.next().open_price;
      let close = first;
      for (let i = 0; i < 3600; i++) close = walk.next().close_price;
      return close / first - 1;
    };
    expect(move({ bullishShare: 1, bearishShare: 0 }, 0.05)).toBeGreaterThan(0.02);
    expect(move({ bullishShare: 0, bearishShare: 1 }, 0.05)).toBeLessThan(-0.02);
    expect(move({ bullishShare: 1, bearishShare: 0 }, 0)).toBeCloseTo(0, 3);
  });
});
