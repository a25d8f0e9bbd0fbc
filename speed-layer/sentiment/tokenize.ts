/**
 * VADER's tokenisation, as the reference does it in three passes, fused into one linear walk:
 *
 * 1. each code point found in the emoji lexicon is replaced by its description, preceded by a space
 *    unless the previous character was a space (and followed by nothing, so "😍!" gives
 *    "smiling face with heart-eyes!");
 * 2. the result is split on Python whitespace;
 * 3. each token loses its leading and trailing ASCII punctuation, unless that leaves two code
 *    points or fewer (so ":)" and "(:" survive as emoticons, "(good)" becomes "good").
 *
 * The walk also counts the "!" and "?" of the text after emoji replacement (two emoji names
 * contain "!"), which the reference counts for punctuation emphasis.
 */
import { codePointLength, isAsciiPunctuation, isPythonSpace } from './python-text.js';

/** An emoji description pre-split into words, with what it adds to the "!"/"?" counts. */
export interface EmojiDescription {
  words: readonly string[];
  /** The description ends in whitespace, so the text after it starts a new token. */
  endsWithSpace: boolean;
  exclamations: number;
  questions: number;
}

export function describeEmoji(description: string): EmojiDescription {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= description.length; i++) {
    const space = i === description.length || isPythonSpace(description.charCodeAt(i));
    if (space && start >= 0) {
      words.push(description.slice(start, i));
      start = -1;
    } else if (!space && start < 0) start = i;
  }
  return {
    words,
    endsWithSpace: description.length > 0 && isPythonSpace(description.codePointAt(description.length - 1)!),
    exclamations: countOf(description, '!'),
    questions: countOf(description, '?'),
  };
}

function countOf(text: string, char: string): number {
  let count = 0;
  for (const c of text) if (c === char) count++;
  return count;
}

/** Reusable output of `tokenize`: `words[0..count)` are valid, later slots are stale. */
export interface Tokens {
  words: string[];
  count: number;
  exclamations: number;
  questions: number;
}

export function createTokens(): Tokens {
  return { words: [], count: 0, exclamations: 0, questions: 0 };
}

/** Work units (characters and tokens visited) of the last `tokenize` calls, for complexity tests. */
export const tokenizeWork = { steps: 0 };

/** Tokenises `text` into `out`, reusing its array: the reference's words_and_emoticons. */
export function tokenize(text: string, emoji: ReadonlyMap<number, EmojiDescription>, out: Tokens): void {
  const words = out.words;
  let count = 0;
  let exclamations = 0;
  let questions = 0;
  // The current token is `prefix` (the last word of an emoji description, or '') followed by
  // text[runStart, i) when runStart >= 0.
  let inToken = false;
  let prefix = '';
  let runStart = -1;
  const length = text.length;

  const finish = (end: number) => {
    const raw =
      runStart < 0 ? prefix : prefix === '' ? text.slice(runStart, end) : prefix + text.slice(runStart, end);
    words[count++] = stripPunctuation(raw);
    inToken = false;
    prefix = '';
    runStart = -1;
  };

  let i = 0;
  while (i < length) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if ((code >= 9 && code <= 13) || (code >= 28 && code <= 32)) {
        if (inToken) finish(i);
      } else {
        if (code === 33) exclamations++;
        else if (code === 63) questions++;
        if (!inToken) inToken = true;
        if (runStart < 0) runStart = i;
      }
      i++;
      continue;
    }
    let codePoint = code;
    let width = 1;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        codePoint = ((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    if (isPythonSpace(codePoint)) {
      if (inToken) finish(i);
    } else {
      const description = emoji.get(codePoint);
      if (description === undefined) {
        if (!inToken) inToken = true;
        if (runStart < 0) runStart = i;
      } else {
        // A space goes in front of the description unless a space precedes it: either way the
        // current token ends here.
        if (inToken) finish(i);
        exclamations += description.exclamations;
        questions += description.questions;
        const descriptionWords = description.words;
        const last = descriptionWords.length - 1;
        for (let w = 0; w < last; w++) words[count++] = stripPunctuation(descriptionWords[w]!);
        if (last >= 0) {
          if (description.endsWithSpace) words[count++] = stripPunctuation(descriptionWords[last]!);
          else {
            inToken = true;
            prefix = descriptionWords[last]!;
          }
        }
      }
    }
    i += width;
  }
  if (inToken) finish(length);
  tokenizeWork.steps += length + count;
  out.count = count;
  out.exclamations = exclamations;
  out.questions = questions;
}

/**
 * `token.strip(string.punctuation)`, unless that leaves two code points or fewer, in which case
 * the token was likely an emoticon and is kept whole.
 */
export function stripPunctuation(token: string): string {
  let start = 0;
  let end = token.length;
  while (start < end && isAsciiPunctuation(token.charCodeAt(start))) start++;
  while (end > start && isAsciiPunctuation(token.charCodeAt(end - 1))) end--;
  const kept = end - start;
  if (kept === token.length) return token;
  // Two code points take at most four UTF-16 units.
  if (kept <= 2) return token;
  if (kept <= 4 && codePointLength(token.slice(start, end)) <= 2) return token;
  return token.slice(start, end);
}
