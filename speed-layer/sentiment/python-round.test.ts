import { describe, expect, it } from 'vitest';
import { pythonRound } from './python-round.js';

// Expected values are Python 3's round() of the same doubles.
describe('pythonRound', () => {
  it.each([
    [0.0625, 3, 0.062], // exact tie: to even (toFixed gives 0.063)
    [0.1875, 3, 0.188],
    [0.3125, 3, 0.312],
    [0.9375, 3, 0.938],
    [0.03125, 4, 0.0312],
    [1.0005, 3, 1.0], // 1.0005 is stored just below the tie
    [0.0005, 3, 0.001], // and this one just above it
    [0.4404, 4, 0.4404],
    [-0.34125, 4, -0.3412],
    [-0.5859482, 4, -0.5859],
    [0.99999, 3, 1.0],
    [2.5, 0, 2],
    [3.5, 0, 4],
  ])('round(%d, %d) = %d', (x, digits, expected) => {
    expect(pythonRound(x, digits)).toBe(expected);
  });

  it('keeps the sign of a value that rounds to zero', () => {
    expect(Object.is(pythonRound(-0.00001, 4), -0)).toBe(true);
  });
});
