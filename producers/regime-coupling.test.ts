import { describe, expect, it } from 'vitest';
import { PriceWalk } from './price-walk.js';
import { RegimeSchedule } from './regime-schedule.js';
import { TweetGenerator } from './tweet-generator.js';

const BULL = /\b(great|love|moon|amazing|win|excellent|happy|buy|bullish|strong|gains)/i;
const BEAR = /\b(crash|terrible|ugly|worst|scared|panic|hate|disaster|sell|puts|dumping|painful)/i;

function pearson(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('tweets and prices built from one seed', () => {
  it('move together: per symbol and regime period, tweet mood correlates with the price return', () => {
    const hours = 4;
    const schedule = new RegimeSchedule({ seed: 11 });
    const timeline = { clock: 'virtual', jitterMs: 0, lateRatio: 0 } as const;
    const tweets = new TweetGenerator({ seed: 11, schedule, timeline: { ...timeline, ratePerSecond: 10 } });
    const walk = new PriceWalk({ seed: 11, schedule, timeline: { ...timeline, ratePerSecond: 14 } });
    const cell = (symbol: string, time: number) => `${symbol}:${Math.floor(time / schedule.periodMs)}`;

    const mood = new Map<string, { score: number; n: number }>();
    for (let i = 0; i < hours * 3600 * 10; i++) {
      const t = tweets.next();
      const symbol = /\$([A-Za-z]+)/.exec(t.text)?.[1]?.toUpperCase();
      if (!symbol) continue;
      const m = mood.get(cell(symbol, t.created_at)) ?? { score: 0, n: 0 };
      m.score += (BULL.test(t.text) ? 1 : 0) - (BEAR.test(t.text) ? 1 : 0);
      m.n++;
      mood.set(cell(symbol, t.created_at), m);
    }
    const prices = new Map<string, { open: number; close: number }>();
    for (let i = 0; i < hours * 3600 * 14; i++) {
      const tick = walk.next();
      const key = cell(tick.symbol, tick.trade_timestamp);
      const p = prices.get(key);
      if (p) p.close = tick.close_price;
      else prices.set(key, { open: tick.open_price, close: tick.close_price });
    }
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [key, m] of mood) {
      const p = prices.get(key);
      if (!p || m.n < 50) continue;
      xs.push(m.score / m.n);
      ys.push(Math.log(p.close / p.open));
    }
    expect(xs.length).toBeGreaterThan(200);
    expect(pearson(xs, ys)).toBeGreaterThan(0.3);
  });
});
