/**
 * Shocks are what the demo's alerts come from: the synthetic feeds with shocks must raise the
 * default alert rules, in shock periods only, and without shocks never. Judged by the stateless
 * alert oracle over per-minute figures built from the feeds as the speed layer would (every
 * cashtag of a tweet, our VADER, first open and last close of each minute's ticks).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_RULES } from '../schemas/alerts.js';
import { MINUTE_MS, windowStart } from '../schemas/time.js';
import type { FinalMinute } from '../speed-layer/alerts/alert-evaluator.js';
import { resolveRule } from '../speed-layer/alerts/alert-rules.js';
import { type ReferenceAlert, referenceAlerts } from '../speed-layer/alerts/reference-alerts.js';
import { extractCashtags } from '../speed-layer/cashtags.js';
import { scoreSentiment } from '../speed-layer/sentiment/vader.js';
import { PriceWalk } from './price-walk.js';
import { RegimeSchedule } from './regime-schedule.js';
import { TweetGenerator } from './tweet-generator.js';

const SYMBOLS = ['AAPL', 'TSLA', 'NVDA', 'MSFT'];
const START = Date.UTC(2026, 0, 5, 9, 0);
const HOURS = 3;

function alertsOf(shockShare: number): { alerts: ReferenceAlert[]; schedule: RegimeSchedule } {
  const schedule = new RegimeSchedule({ seed: 'shocks', shockShare });
  const timeline = { clock: 'virtual', startMs: START, jitterMs: 0, lateRatio: 0 } as const;
  const tweets = new TweetGenerator({
    seed: 'shocks',
    symbols: SYMBOLS,
    schedule,
    timeline: { ...timeline, ratePerSecond: 5 },
  });
  const walk = new PriceWalk({
    seed: 'shocks',
    symbols: SYMBOLS,
    schedule,
    timeline: { ...timeline, ratePerSecond: 4 },
  });
  const minutes = new Map<string, Map<number, FinalMinute>>(SYMBOLS.map((s) => [s, new Map()]));
  const at = (symbol: string, time: number): FinalMinute => {
    const bySymbol = minutes.get(symbol) as Map<number, FinalMinute>;
    const minute = windowStart(time, MINUTE_MS);
    let m = bySymbol.get(minute);
    if (!m) {
      m = { minute, tweets: 0, compoundSum: 0, ticks: 0, open: 0, close: 0 };
      bySymbol.set(minute, m);
    }
    return m;
  };
  const end = START + HOURS * 3_600_000;
  for (let t = tweets.next(); t.created_at < end; t = tweets.next()) {
    const compound = scoreSentiment(t.text).compound;
    for (const symbol of extractCashtags(t.text)) {
      const m = at(symbol, t.created_at);
      m.tweets++;
      m.compoundSum += compound;
    }
  }
  for (let k = walk.next(); k.trade_timestamp < end; k = walk.next()) {
    const m = at(k.symbol, k.trade_timestamp);
    if (m.ticks === 0) m.open = k.open_price;
    m.close = k.close_price;
    m.ticks++;
  }
  const rules = DEFAULT_ALERT_RULES.map(resolveRule);
  const alerts = SYMBOLS.flatMap((symbol) =>
    referenceAlerts(
      rules,
      symbol,
      [...(minutes.get(symbol) as Map<number, FinalMinute>).values()].sort((a, b) => a.minute - b.minute),
      START,
      end - MINUTE_MS,
    ),
  );
  return { alerts, schedule };
}

describe('regime shocks', () => {
  it('raise the default alerts, each in a shock of its direction, and nothing without shocks', () => {
    expect(alertsOf(0).alerts).toEqual([]);
    const { alerts, schedule } = alertsOf(0.3);
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    for (const a of alerts) {
      // The window that opened it ends in (or just after) a shock period of the same direction.
      const regimes = [a.openedAt, a.openedAt - 4 * MINUTE_MS].map((t) => schedule.at(a.symbol, t));
      const direction = a.rule.startsWith('bearish') ? -1 : 1;
      expect(
        regimes.some((r) => r.shock && r.direction === direction),
        a.alertId,
      ).toBe(true);
    }
    expect(new Set(alerts.map((a) => a.rule)).size).toBe(2);
  });

  it('leave every other period as it was', () => {
    const plain = new RegimeSchedule({ seed: 7 });
    const shocked = new RegimeSchedule({ seed: 7, shockShare: 0.5 });
    let shocks = 0;
    let directional = 0;
    for (let p = 0; p < 2000; p++) {
      const time = p * plain.periodMs;
      const a = plain.at('AAPL', time);
      const b = shocked.at('AAPL', time);
      expect(b.mood).toBe(a.mood);
      if (b.shock) {
        shocks++;
        expect(b.strength).toBe(1);
        expect(b.direction).not.toBe(0);
      } else expect(b).toEqual(a);
      if (a.direction !== 0) directional++;
    }
    expect(shocks / directional).toBeGreaterThan(0.45);
    expect(shocks / directional).toBeLessThan(0.55);
  });
});
