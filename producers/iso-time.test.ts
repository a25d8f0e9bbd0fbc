import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIso } from './iso-time.js';

describe('ISO formatting of event times', () => {
  it('matches toISOString for any instant, in any order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e13, max: 3e14 }), { maxLength: 50 }), (times) => {
        for (const t of times) expect(formatIso(t)).toBe(new Date(t).toISOString());
      }),
    );
  });

  it('matches toISOString for jittered neighbours sharing the cache', () => {
    const base = Date.UTC(2025, 0, 6, 14, 30);
    for (let i = 0; i < 5000; i++) {
      const t = base + i * 7 - ((i * 7919) % 3000);
      expect(formatIso(t)).toBe(new Date(t).toISOString());
    }
  });
});
