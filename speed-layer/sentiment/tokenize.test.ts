import { describe, expect, it } from 'vitest';
import {
  createTokens,
  describeEmoji,
  type EmojiDescription,
  isCaseless,
  type Tokens,
  tokenize,
  tokenText,
} from './tokenize.js';

const emoji = new Map<number, EmojiDescription>([
  [0x1f60d, describeEmoji('smiling face with heart-eyes')],
  [0x1f51b, describeEmoji('ON! arrow')],
  [0xa9, describeEmoji('copyright')],
]);

const texts = (tokens: Tokens) => Array.from({ length: tokens.count }, (_, k) => tokenText(tokens, k));

function words(text: string): string[] {
  const tokens = createTokens();
  tokenize(text, emoji, tokens);
  return texts(tokens);
}

describe('tokenize', () => {
  it('splits on Python whitespace, including no-break and ideographic spaces', () => {
    expect(words(' a\tb\u00a0c\u3000d\u2028e\u0085f ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('does not split on zero-width space, which Python does not count as whitespace', () => {
    expect(words('good\u200bbad')).toEqual(['good\u200bbad']);
  });

  it('replaces an emoji by its description, gluing what follows onto the last word', () => {
    expect(words('x😍! ok')).toEqual(['x', 'smiling', 'face', 'with', 'heart-eyes', 'ok']);
    expect(words('😍😍')).toEqual([
      'smiling',
      'face',
      'with',
      'heart-eyes',
      'smiling',
      'face',
      'with',
      'heart-eyes',
    ]);
    expect(words('©2024')).toEqual(['copyright2024']);
    expect(words(' 😍')).toEqual(['smiling', 'face', 'with', 'heart-eyes']);
    expect(words(`${'😍'.repeat(300)}!`).length).toBe(1200);
  });

  it('counts "!" and "?" after emoji replacement', () => {
    const tokens = createTokens();
    tokenize('🔛 really?? yes!', emoji, tokens);
    expect([tokens.exclamations, tokens.questions]).toEqual([2, 2]);
  });

  it('reuses its output and reports only the current count', () => {
    const tokens = createTokens();
    tokenize('a b c d', emoji, tokens);
    tokenize('e', emoji, tokens);
    expect(texts(tokens)).toEqual(['e']);
  });
});

describe('punctuation stripping', () => {
  it.each([
    ['(good)', 'good'],
    ["'bad'", 'bad'],
    ['$AAPL,', 'AAPL'],
    [':)', ':)'],
    ['(:', '(:'],
    [':-)', ':-)'], // strips to "" so the emoticon is kept
    ['"(:"', '"(:"'],
    ['(ok)', '(ok)'], // two characters left: kept whole, as the reference does
    ['(𝕏𝕏)', '(𝕏𝕏)'], // two code points (four UTF-16 units) left: kept whole
    ['(𝕏𝕏𝕏)', '𝕏𝕏𝕏'],
    ["don't", "don't"],
  ])('%s → %s', (token, expected) => {
    expect(words(token)).toEqual([expected]);
  });
});

describe('isCaseless', () => {
  it('holds only for code points without case and without a lower-case mapping', () => {
    const cased = /[\p{Lowercase}\p{Uppercase}\p{Lt}]/u;
    const wrong: string[] = [];
    for (let codePoint = 0x80; codePoint <= 0x1ffff; codePoint++) {
      if (!isCaseless(codePoint)) continue;
      const char = String.fromCodePoint(codePoint);
      if (cased.test(char) || char.toLowerCase() !== char) wrong.push(codePoint.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it('leaves cased letters beyond ASCII to Unicode handling', () => {
    for (const char of ['É', 'ß', 'Σ', 'Ⓐ', '🄰', 'K']) expect(isCaseless(char.codePointAt(0)!)).toBe(false);
  });
});
