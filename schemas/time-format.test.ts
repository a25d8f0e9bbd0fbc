import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEventTime } from './time.js';

describe('formatEventTime', () => {
  it('writes every instant exactly as Date#toISOString does, whatever the order of the days asked', () => {
    const instant = fc.oneof(
      fc.integer({ min: -62_198_755_200_000, max: 8_640_000_000_000_000 }),
      fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }),
      fc.constantFrom(0, -1, 86_399_999, 86_400_000, 253_402_300_799_999, 253_402_300_800_000),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const t of instants) expect(formatEventTime(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 2000 },
    );
  });
});
