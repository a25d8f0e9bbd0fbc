import { describe, expect, it } from 'vitest';
import { scoreSentiment } from './vader.js';

// Expected values are the reference vaderSentiment 3.3.2's output for the same text.
const cases: Array<
  [rule: string, text: string, expected: [compound: number, pos: number, neu: number, neg: number]]
> = [
  ['emoji are replaced by their description', 'Not bad at all $AAPL 😍', [0.705, 0.455, 0.545, 0]],
  ['an emoji renamed in CLDR keeps the reference name', '🤗', [0.4215, 0.737, 0.263, 0]],
  ['surrounding punctuation is stripped from words', '(good)', [0.4404, 1, 0, 0]],
  ['negation is case-insensitive', 'Not bad', [0.431, 0.74, 0.26, 0]],
  ['"no" negates the next lexicon word', 'no good', [-0.3412, 0, 0.294, 0.706]],
  ['"never so" amplifies instead of negating', 'never so good', [0.5777, 0.652, 0.348, 0]],
  ['"but" in any case shifts the weight to what follows', 'good BUT bad', [-0.5859, 0.253, 0.13, 0.617]],
  [
    '"but" rescales the first equal sentiment, as the reference does',
    'good good but good',
    [0.775, 0.886, 0.114, 0],
  ],
  ['"kind of" is a dampener, not sentiment', 'kind of good', [0.4404, 0.592, 0.408, 0]],
  ['"at least" does not negate', 'at least good', [0.4404, 0.592, 0.408, 0]],
  ['"least" alone negates', 'least good', [-0.3412, 0, 0.294, 0.706]],
  ['an ALL-CAPS word among lower-case words is emphasised', 'GOOD day', [0.5622, 0.784, 0.216, 0]],
  ['exclamation marks add emphasis', 'good!!!', [0.5826, 1, 0, 0]],
  ['the 3.3.2 lexicon has "heart"', 'heart', [0.6369, 1, 0, 0]],
  ['the 3.3.2 lexicon has "flawed"', 'flawed', [-0.4767, 0, 0, 1]],
  ['an empty text scores zero', '', [0, 0, 0, 0]],
  ['a whitespace-only text scores zero', ' \t ', [0, 0, 0, 0]],
];

describe('scoreSentiment', () => {
  it.each(cases)('%s: %j', (_rule, text, [compound, pos, neu, neg]) => {
    expect(scoreSentiment(text)).toEqual({ compound, pos, neu, neg });
  });

  it('gives the same scores when called again (scratch buffers are reset)', () => {
    const long = `${'good bad but '.repeat(200)}fine`;
    const first = scoreSentiment(long);
    scoreSentiment('x');
    expect(scoreSentiment(long)).toEqual(first);
  });
});
