import { describe, expect, it } from 'vitest';
import { RegimeSchedule } from './regime-schedule.js';

describe('regime schedule', () => {
  it('agrees across instances built from the same seed (two producer processes)', () => {
    const a = new RegimeSchedule({ seed: 7 });
    const b = new RegimeSchedule({ seed: 7 });
    for (let t = 0; t < 50; t++) {
      const time = Date.UTC(2025, 0, 6) + t * 600_000;
      expect(b.at('AAPL', time)).toEqual(a.at('AAPL', time));
    }
  });

  it('holds one regime for a whole period', () => {
    const schedule = new RegimeSchedule({ seed: 1, periodMs: 60_000 });
    const start = 60_000 * 1000;
    expect(schedule.at('TSLA', start + 59_999)).toEqual(schedule.at('TSLA', start));
  });

  it('produces roughly the configured shares of bullish, bearish and neutral periods', () => {
    const schedule = new RegimeSchedule({ seed: 'x' });
    const counts = { bullish: 0, bearish: 0, neutral: 0 };
    for (let p = 0; p < 10_000; p++) counts[schedule.at('NVDA', p * schedule.periodMs).mood]++;
    expect(counts.bullish / 10_000).toBeCloseTo(0.35, 1);
    expect(counts.bearish / 10_000).toBeCloseTo(0.35, 1);
    expect(counts.neutral / 10_000).toBeCloseTo(0.3, 1);
  });

  it('gives symbols their own regimes', () => {
    const schedule = new RegimeSchedule({ seed: 2 });
    const moods = (symbol: string) =>
      Array.from({ length: 40 }, (_, p) => schedule.at(symbol, p * schedule.periodMs).mood);
    expect(moods('AAPL')).not.toEqual(moods('MSFT'));
  });
});
