import { describe, expect, it } from 'vitest';
import { TweetDeduplicator } from './dedup.js';

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);

describe('TweetDeduplicator', () => {
  it('reports an id seen again within the watermark horizon', () => {
    const d = new TweetDeduplicator();
    expect(d.seen('a', T0, T0 - 120_000)).toBe(false);
    expect(d.seen('b', T0, T0 - 120_000)).toBe(false);
    expect(d.seen('a', T0, T0 - 60_000)).toBe(true);
    expect(d.seen('a', T0, T0)).toBe(true);
  });

  it('forgets an id once its event time is below the watermark', () => {
    const d = new TweetDeduplicator();
    d.seen('a', T0, T0 - 120_000);
    expect(d.seen('a', T0, T0 + 1)).toBe(false);
    // Memory is freed by whole seconds of event time.
    d.seen('b', T0 + 5_000, T0 + 1_000);
    expect(d.size()).toBe(1);
  });

  it('does not remember a tweet that is itself below the watermark', () => {
    const d = new TweetDeduplicator();
    expect(d.seen('a', T0, T0 + 1)).toBe(false);
    expect(d.size()).toBe(0);
  });

  it('evicts in event-time order whatever the arrival order', () => {
    const d = new TweetDeduplicator();
    d.seen('future', T0 + 3_600_000, T0 - 120_000);
    d.seen('old', T0, T0 - 120_000);
    d.seen('x', T0 + 10_000, T0 + 5_000);
    expect(d.size()).toBe(2);
    expect(d.seen('future', T0 + 3_600_000, T0 + 5_000)).toBe(true);
  });

  it('holds a bounded number of ids over a long stream', () => {
    const d = new TweetDeduplicator();
    const sizes: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const t = T0 + i * 10;
      d.seen(`t${i}`, t, t - 120_000);
      if (i % 10_000 === 0) sizes.push(d.size());
    }
    // 10 ms apart, 120 s horizon: at most 12 000 ids plus one partial one-second bucket.
    expect(Math.max(...sizes)).toBeLessThanOrEqual(12_100);
    expect(d.size()).toBeLessThanOrEqual(12_100);
  });

  it('answers the same after snapshot → JSON → restore', () => {
    const d = new TweetDeduplicator();
    d.seen('a', T0, T0 - 120_000);
    d.seen('b', T0 + 2_000, T0 - 120_000);
    const r = TweetDeduplicator.restore(JSON.parse(JSON.stringify(d.snapshot())));
    for (const x of [d, r]) {
      expect(x.seen('a', T0, T0 - 1)).toBe(true);
      expect(x.seen('b', T0 + 2_000, T0 + 1_000)).toBe(true);
      expect(x.seen('a', T0, T0 + 1_000)).toBe(false);
      expect(x.size()).toBe(1);
    }
  });
});
