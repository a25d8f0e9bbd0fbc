import { describe, expect, it } from 'vitest';
import { applyButShift, butShiftWork } from './but-shift.js';
import { tokenizeWork } from './tokenize.js';
import { scoreSentiment } from './vader.js';

/**
 * The reference is quadratic on long texts (vaderSentiment issue #110: it re-lowercases the whole
 * word list for every word, and its "but" rule searches the list for every element). Ours must be
 * linear. Work is counted, not timed: the tokenizer counts characters and tokens visited, the "but"
 * rule counts comparisons and heap steps. Ten times the input must cost about ten times the work
 * (the bound leaves room for the logarithmic heap factor, nowhere near the quadratic hundredfold).
 */
function workOf(text: string): number {
  tokenizeWork.steps = 0;
  butShiftWork.steps = 0;
  scoreSentiment(text);
  return tokenizeWork.steps + butShiftWork.steps;
}

// Repeated valences and a "but" in the middle are the reference's worst case.
const tokens = (count: number) => {
  const half = 'good bad ok great '.repeat(count / 8);
  return `${half}but ${half}`;
};

describe('VADER scoring work', () => {
  it('grows linearly with the number of tokens (10,000 vs 100,000 tokens)', () => {
    const small = workOf(tokens(10_000));
    const large = workOf(tokens(100_000));
    expect(large / small).toBeGreaterThan(9);
    expect(large / small).toBeLessThan(13);
  });

  it('grows linearly with the number of emoji (1,000 vs 10,000 emoji)', () => {
    const small = workOf('😍😡🤗🚀 but '.repeat(250));
    const large = workOf('😍😡🤗🚀 but '.repeat(2_500));
    expect(large / small).toBeGreaterThan(9);
    expect(large / small).toBeLessThan(13);
  });

  it('scores a 100,000-token text and a 10,000-emoji text to finite scores', () => {
    for (const text of [tokens(100_000), '😍'.repeat(10_000)]) {
      const { compound, pos, neu, neg } = scoreSentiment(text);
      for (const value of [compound, pos, neu, neg]) expect(Number.isFinite(value)).toBe(true);
    }
  });
});

/** The reference's "but" loop, transcribed literally (quadratic): the model the fast one must match. */
function referenceButShift(sentiments: number[], butIndex: number): number[] {
  const list = [...sentiments];
  for (let k = 0; k < list.length; k++) {
    const value = list[k]!;
    const first = list.indexOf(value); // like Python's list.index: first element == value
    if (first < butIndex) list[first] = value * 0.5;
    else if (first > butIndex) list[first] = value * 1.5;
  }
  return list;
}

describe('applyButShift', () => {
  it.each([10, 47, 48, 49, 300, 2_000])('matches the reference loop on %i repetitive sentiments', (count) => {
    const values = [1.9, -2.5, 0, 0.95, 2.85, -1.25, 3.1];
    let seed = count;
    const sentiments = Array.from({ length: count }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return values[seed % values.length]!;
    });
    const butIndex = Math.floor(count / 3);
    sentiments[butIndex] = 0;
    const buffer = Float64Array.from(sentiments);
    applyButShift(buffer, count, butIndex);
    expect([...buffer]).toEqual(referenceButShift(sentiments, butIndex));
  });
});
