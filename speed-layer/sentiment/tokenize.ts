/**
 * VADER's tokenisation, as the reference does it, into a reusable code-unit buffer:
 *
 * 1. each code point found in the emoji lexicon is replaced by its description, preceded by a space
 *    unless the previous character was a space (U+0020) and followed by nothing, so "x😍!" reads
 *    "x smiling face with heart-eyes!";
 * 2. the result is split on Python whitespace;
 * 3. each token loses its leading and trailing ASCII punctuation, unless that leaves two code
 *    points or fewer (so ":)" and "(:" survive as emoticons, "(good)" becomes "good").
 *
 * Tokens are spans of the buffer, not strings: scoring hashes and compares code units in place, so a
 * text costs no allocation beyond the buffer growing to the longest text seen. The "!" and "?" of
 * the text after replacement (two emoji names contain "!") are counted for punctuation emphasis.
 */
import { isAsciiPunctuation, isPythonSpace } from './python-text.js';

/** An emoji description as code units, with what it adds to the "!"/"?" counts. */
export interface EmojiDescription {
  units: Uint16Array;
  exclamations: number;
  questions: number;
}

export function describeEmoji(description: string): EmojiDescription {
  const units = new Uint16Array(description.length);
  let exclamations = 0;
  let questions = 0;
  for (let i = 0; i < description.length; i++) {
    const code = description.charCodeAt(i);
    units[i] = code;
    if (code === 33) exclamations++;
    else if (code === 63) questions++;
  }
  return { units, exclamations, questions };
}

/** Reusable output of `tokenize`: token k is buffer[starts[k], ends[k]) for k < count. */
export interface Tokens {
  /** The text after emoji replacement, in UTF-16 code units; buffer[0, length) is valid. */
  buffer: Uint16Array;
  length: number;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  exclamations: number;
  questions: number;
}

export function createTokens(): Tokens {
  return {
    buffer: new Uint16Array(1024),
    length: 0,
    starts: new Int32Array(256),
    ends: new Int32Array(256),
    count: 0,
    exclamations: 0,
    questions: 0,
  };
}

/** Work units (code units and tokens visited) of `tokenize` calls, for complexity tests. */
export const tokenizeWork = { steps: 0 };

/** Tokenises `text` into `out`: the reference's words_and_emoticons, as spans. */
export function tokenize(text: string, emoji: ReadonlyMap<number, EmojiDescription>, out: Tokens): void {
  expand(text, emoji, out);
  split(out);
  tokenizeWork.steps += text.length + out.length + out.count;
}

/** Step 1: copies `text` into out.buffer with each known emoji replaced by its description. */
function expand(text: string, emoji: ReadonlyMap<number, EmojiDescription>, out: Tokens): void {
  const length = text.length;
  let buffer = out.buffer;
  if (buffer.length < length) buffer = out.buffer = new Uint16Array(grow(buffer.length, length));
  let at = 0;
  let exclamations = 0;
  let questions = 0;
  let previousSpace = true;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      if (code === 33) exclamations++;
      else if (code === 63) questions++;
      buffer[at++] = code;
      previousSpace = code === 32;
      continue;
    }
    let codePoint = code;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) codePoint = ((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
    }
    const description = emoji.get(codePoint);
    const width = codePoint > 0xffff ? 2 : 1;
    if (description === undefined) {
      buffer[at++] = code;
      if (width === 2) buffer[at++] = text.charCodeAt(i + 1);
      previousSpace = false;
    } else {
      const units = description.units;
      // The description may be longer than the emoji: make room for it and for the rest of the text.
      const needed = at + 1 + units.length + (length - i - width);
      if (buffer.length < needed) {
        const larger = new Uint16Array(grow(buffer.length, needed));
        larger.set(buffer.subarray(0, at));
        buffer = out.buffer = larger;
      }
      if (!previousSpace) buffer[at++] = 32;
      buffer.set(units, at);
      at += units.length;
      exclamations += description.exclamations;
      questions += description.questions;
      previousSpace = false;
    }
    i += width - 1;
  }
  out.length = at;
  out.exclamations = exclamations;
  out.questions = questions;
}

// ASCII character classes for the split: Python whitespace and string.punctuation.
const SPACE = 1;
const PUNCTUATION = 2;
const ASCII_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  if (isPythonSpace(code)) ASCII_CLASS[code] = SPACE;
  else if (isAsciiPunctuation(code)) ASCII_CLASS[code] = PUNCTUATION;
}

/** Steps 2 and 3: whitespace-separated spans of out.buffer, punctuation-stripped. */
function split(out: Tokens): void {
  const buffer = out.buffer;
  const length = out.length;
  let count = 0;
  let start = -1;
  for (let i = 0; i < length; i++) {
    const unit = buffer[i]!;
    // Every Python whitespace code point is in the BMP, so code units can be tested one by one.
    const space = unit < 128 ? ASCII_CLASS[unit] === SPACE : unit >= 0x85 && isPythonSpace(unit);
    if (!space) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      count = addToken(out, count, start, i);
      start = -1;
    }
  }
  if (start >= 0) count = addToken(out, count, start, length);
  out.count = count;
}

/**
 * Adds buffer[start, end) as token `count` after `token.strip(string.punctuation)`, unless that
 * leaves two code points or fewer: then the token was likely an emoticon and stays whole.
 */
function addToken(out: Tokens, count: number, start: number, end: number): number {
  if (count === out.starts.length) {
    const starts = new Int32Array(count * 2);
    starts.set(out.starts);
    out.starts = starts;
    const ends = new Int32Array(count * 2);
    ends.set(out.ends);
    out.ends = ends;
  }
  const buffer = out.buffer;
  let from = start;
  let to = end;
  while (from < to && isPunctuationUnit(buffer[from]!)) from++;
  while (to > from && isPunctuationUnit(buffer[to - 1]!)) to--;
  const kept = to - from;
  // Two code points take at most four UTF-16 units.
  const strip = kept !== end - start && kept > 2 && (kept > 4 || codePoints(buffer, from, to) > 2);
  out.starts[count] = strip ? from : start;
  out.ends[count] = strip ? to : end;
  return count + 1;
}

function isPunctuationUnit(unit: number): boolean {
  return unit < 128 && ASCII_CLASS[unit] === PUNCTUATION;
}

function codePoints(buffer: Uint16Array, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const code = buffer[i]!;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < to) {
      const next = buffer[i + 1]!;
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

function grow(current: number, needed: number): number {
  let size = Math.max(current, 16);
  while (size < needed) size *= 2;
  return size;
}

/** Token k as a string (tests, diagnostics and the rare non-ASCII token). */
export function tokenText(tokens: Tokens, k: number): string {
  return unitsToString(tokens.buffer, tokens.starts[k]!, tokens.ends[k]!);
}

const CHUNK = 8192;

export function unitsToString(buffer: Uint16Array, start: number, end: number): string {
  if (end - start <= CHUNK)
    return String.fromCharCode.apply(null, buffer.subarray(start, end) as unknown as number[]);
  let text = '';
  for (let at = start; at < end; at += CHUNK) {
    text += String.fromCharCode.apply(
      null,
      buffer.subarray(at, Math.min(end, at + CHUNK)) as unknown as number[],
    );
  }
  return text;
}
