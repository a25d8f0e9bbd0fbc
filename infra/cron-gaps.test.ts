import { describe, expect, it } from 'vitest';
import { longestGapBeyond } from './cron-gaps.js';

const HOUR = 3_600_000;
const from = Date.parse('2026-01-01T00:00:00Z'); // a Thursday

describe('longest gap between cron runs', () => {
  it('is undefined when every gap is within the limit', () => {
    expect(longestGapBeyond('5 * * * *', HOUR, from)).toBeUndefined();
    expect(longestGapBeyond('* * * * *', 60_000, from)).toBeUndefined();
  });

  it('finds the exact longest gap and where it starts', () => {
    expect(longestGapBeyond('0 9-17 * * 1-5', 47 * HOUR, from)).toEqual({
      gapMs: 64 * HOUR,
      after: new Date('2026-01-02T17:00:00Z'),
    });
    expect(longestGapBeyond('5 * * * *', 59 * 60_000, from)?.gapMs).toBe(HOUR);
  });

  it('sees a long gap after a dense stretch (every minute on the 1st of the month)', () => {
    const gap = longestGapBeyond('* * 1 * *', 47 * HOUR, from);
    // The longest: 1 Jan 23:59 to 1 Feb 00:00 (30 days and a minute).
    expect(gap?.gapMs).toBe(30 * 24 * HOUR + 60_000);
    expect(gap?.after.toISOString()).toBe('2026-01-01T23:59:00.000Z');
  });

  it('counts the wait for a first run beyond the sample (a leap day)', () => {
    const gap = longestGapBeyond('0 0 29 2 *', 47 * HOUR, from);
    expect(gap?.after.getTime()).toBe(from);
    expect(gap?.gapMs).toBe(Date.parse('2028-02-29T00:00:00Z') - from);
  });

  it('reports even one-second gaps when the limit is below a second', () => {
    expect(longestGapBeyond('* * * * * *', 0, from)?.gapMs).toBe(1000);
  });
});
