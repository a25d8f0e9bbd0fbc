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
 * One pass does all three. Tokens are spans of the buffer, not strings: each token is hashed (its
 * stripped, lower-cased form) as it is cut, and scoring compares code units in place, so a text
 * costs no allocation beyond the buffer growing to the longest text seen. The "!" and "?" of the
 * text after replacement (two emoji names contain "!") are counted for punctuation emphasis.
 */
import { isAsciiPunctuation, isPythonSpace } from './python-text.js';
import { HASH_SEED, hashStep } from './word-table.js';

/** An emoji description as code units, its words, and what it adds to the "!"/"?" counts. */
export interface EmojiDescription {
  units: Uint16Array;
  /** Start and end (exclusive) of each whitespace-separated word in `units`, pairwise. */
  words: Int32Array;
  /** The last word runs to the end, so text right after the emoji continues it. */
  openEnded: boolean;
  exclamations: number;
  questions: number;
}

export function describeEmoji(description: string): EmojiDescription {
  const units = new Uint16Array(description.length);
  const words: number[] = [];
  let exclamations = 0;
  let questions = 0;
  let wordStart = -1;
  for (let i = 0; i < description.length; i++) {
    const code = description.charCodeAt(i);
    units[i] = code;
    if (code === 33) exclamations++;
    else if (code === 63) questions++;
    if (isPythonSpace(code)) {
      if (wordStart >= 0) words.push(wordStart, i);
      wordStart = -1;
    } else if (wordStart < 0) wordStart = i;
  }
  if (wordStart >= 0) words.push(wordStart, description.length);
  return { units, words: Int32Array.from(words), openEnded: wordStart >= 0, exclamations, questions };
}

/** Finds the description of a code point, if it is an emoji of the lexicon. */
export interface EmojiLookup {
  get(codePoint: number): EmojiDescription | undefined;
}

/**
 * Emoji descriptions in two dense arrays (one per plane) indexed by code point: the tokenizer asks
 * for every non-ASCII code point, and an array read is cheaper than a hash lookup.
 */
export class EmojiTable implements EmojiLookup {
  private readonly bmp: (EmojiDescription | undefined)[];
  private readonly bmpFrom: number;
  private readonly astral: (EmojiDescription | undefined)[];
  private readonly astralFrom: number;

  constructor(descriptions: ReadonlyMap<number, EmojiDescription>) {
    const codePoints = [...descriptions.keys()];
    const bmp = codePoints.filter((c) => c <= 0xffff);
    const astral = codePoints.filter((c) => c > 0xffff);
    this.bmpFrom = bmp.length > 0 ? Math.min(...bmp) : 0;
    this.astralFrom = astral.length > 0 ? Math.min(...astral) : 0x10000;
    const dense = (from: number, points: number[]) => {
      const table = new Array<EmojiDescription | undefined>(
        points.length > 0 ? Math.max(...points) - from + 1 : 0,
      ).fill(undefined);
      for (const c of points) table[c - from] = descriptions.get(c);
      return table;
    };
    this.bmp = dense(this.bmpFrom, bmp);
    this.astral = dense(this.astralFrom, astral);
  }

  get(codePoint: number): EmojiDescription | undefined {
    if (codePoint > 0xffff) {
      const index = codePoint - this.astralFrom;
      return index >= 0 && index < this.astral.length ? this.astral[index] : undefined;
    }
    const index = codePoint - this.bmpFrom;
    return index >= 0 && index < this.bmp.length ? this.bmp[index] : undefined;
  }
}

/** Reusable output of `tokenize`: token k is buffer[starts[k], ends[k]) for k < count. */
export interface Tokens {
  /** The text after emoji replacement, in UTF-16 code units; buffer[0, length) is valid. */
  buffer: Uint16Array;
  length: number;
  starts: Int32Array;
  ends: Int32Array;
  /**
   * Per token, when its shape has KNOWN: the word-table hash of its lower-cased units (computed
   * while tokenising, so scoring need not read the token again). Otherwise left for the scorer.
   */
  hashes: Int32Array;
  /** Per token: KNOWN (all ASCII, hash valid) | HAS_UPPER | HAS_LOWER, or 0 when not known. */
  shapes: Uint8Array;
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
    hashes: new Int32Array(256),
    shapes: new Uint8Array(256),
    count: 0,
    exclamations: 0,
    questions: 0,
  };
}

/**
 * Code points outside ASCII that have no case at all, neither for Python's lower() nor for
 * isupper(): joiners and variation selectors, punctuation, arrows, symbols and dingbats, CJK, and
 * the emoji planes from the regional indicators on. Tokens made of ASCII and these need no Unicode
 * case handling, which keeps emoji sequences ("woman\u200d", "heart\ufe0f") on the fast path.
 * (Deliberately conservative: circled and squared Latin letters, which are cased, are left out.)
 */
export function isCaseless(codePoint: number): boolean {
  if (codePoint < 0x200b) return false;
  if (codePoint <= 0x206f) return true;
  if (codePoint < 0x20d0) return false;
  if (codePoint <= 0x20ff) return true;
  if (codePoint < 0x2190) return false;
  if (codePoint <= 0x245f) return true;
  if (codePoint < 0x2500) return false;
  if (codePoint <= 0x2bff) return true;
  if (codePoint < 0x3040) return false;
  if (codePoint <= 0x30ff) return true;
  if (codePoint < 0x4e00) return false;
  if (codePoint <= 0x9fff) return true;
  if (codePoint < 0xac00) return false;
  if (codePoint <= 0xd7a3) return true;
  if (codePoint < 0xfe00) return false;
  if (codePoint <= 0xfe0f) return true;
  return codePoint >= 0x1f1e6 && codePoint <= 0x1fbff;
}

/** A token's shape: KNOWN when its hash is valid and only ASCII letters in it have case. */
export const KNOWN = 1;
export const HAS_UPPER = 2;
export const HAS_LOWER = 4;

/** Work units (code units and tokens visited) of `tokenize` calls, for complexity tests. */
export const tokenizeWork = { steps: 0 };

// ASCII character classes: Python whitespace and string.punctuation.
const SPACE = 1;
const PUNCTUATION = 2;
const ASCII_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  if (isPythonSpace(code)) ASCII_CLASS[code] = SPACE;
  else if (isAsciiPunctuation(code)) ASCII_CLASS[code] = PUNCTUATION;
}

/**
 * Tokenises `text` into `out`: the reference's words_and_emoticons, as spans. One pass does all
 * three steps: it writes the replaced text into the buffer and cuts tokens as it goes.
 */
export function tokenize(text: string, emoji: EmojiLookup, out: Tokens): void {
  const length = text.length;
  let buffer = out.buffer;
  if (buffer.length < length) buffer = out.buffer = new Uint16Array(grow(buffer.length, length));
  let at = 0;
  let count = 0;
  let exclamations = 0;
  let questions = 0;
  // Start of the current token in the buffer, or -1 between tokens.
  let tokenStart = -1;
  // For the current token: the hash of its lower-cased units from the first non-punctuation one
  // (`hash`), that hash as of the last non-punctuation unit (`coreHash`: the hash of the token once
  // stripped), whether a non-punctuation unit was seen, and its shape.
  let hash = HASH_SEED;
  let coreHash = HASH_SEED;
  let inCore = false;
  let shape = 0;
  // The reference inserts a space before a description unless the previous character is ' '.
  let previousSpace = true;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      buffer[at] = code;
      const kind = ASCII_CLASS[code];
      if (kind === SPACE) {
        if (tokenStart >= 0) {
          count = addToken(out, count, tokenStart, at, coreHash, shape);
          tokenStart = -1;
        }
        previousSpace = code === 32;
      } else {
        if (tokenStart < 0) {
          tokenStart = at;
          hash = HASH_SEED;
          coreHash = HASH_SEED;
          inCore = false;
          shape = KNOWN;
        }
        if (kind === PUNCTUATION) {
          if (code === 33) exclamations++;
          else if (code === 63) questions++;
          if (inCore) hash = hashStep(hash, code);
        } else {
          let lower = code;
          if (code >= 65 && code <= 90) {
            shape |= HAS_UPPER;
            lower += 32;
          } else if (code >= 97 && code <= 122) shape |= HAS_LOWER;
          hash = hashStep(hash, lower);
          coreHash = hash;
          inCore = true;
        }
        previousSpace = false;
      }
      at++;
      continue;
    }
    let codePoint = code;
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) codePoint = ((code - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
    }
    const width = codePoint > 0xffff ? 2 : 1;
    const description = emoji.get(codePoint);
    if (description === undefined) {
      // Every Python whitespace code point is in the BMP.
      if (width === 1 && isPythonSpace(code)) {
        if (tokenStart >= 0) {
          count = addToken(out, count, tokenStart, at, coreHash, shape);
          tokenStart = -1;
        }
      } else {
        if (tokenStart < 0) {
          tokenStart = at;
          hash = HASH_SEED;
          coreHash = HASH_SEED;
          inCore = false;
          shape = KNOWN;
        }
        if (shape !== 0 && isCaseless(codePoint)) {
          // Unchanged by lower() and not cased: hashed as it is.
          hash = hashStep(hash, code);
          if (width === 2) hash = hashStep(hash, text.charCodeAt(i + 1));
          coreHash = hash;
          inCore = true;
        } else {
          // Python's Unicode lower() and isupper(): left to the scorer.
          shape = 0;
        }
      }
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
      // The inserted space (or the space before the emoji) ends the current token.
      if (tokenStart >= 0) {
        count = addToken(out, count, tokenStart, at, coreHash, shape);
        tokenStart = -1;
      }
      if (!previousSpace) buffer[at++] = 32;
      // Descriptions are short: a loop beats TypedArray.set's call overhead.
      for (let u = 0; u < units.length; u++) buffer[at + u] = units[u]!;
      const words = description.words;
      const last = words.length - 2;
      for (let w = 0; w < last; w += 2)
        count = addToken(out, count, at + words[w]!, at + words[w + 1]!, 0, 0);
      if (last >= 0) {
        if (description.openEnded) {
          tokenStart = at + words[last]!;
          shape = 0;
        } else count = addToken(out, count, at + words[last]!, at + words[last + 1]!, 0, 0);
      }
      at += units.length;
      exclamations += description.exclamations;
      questions += description.questions;
      previousSpace = false;
    }
    i += width - 1;
  }
  if (tokenStart >= 0) count = addToken(out, count, tokenStart, at, coreHash, shape);
  out.length = at;
  out.count = count;
  out.exclamations = exclamations;
  out.questions = questions;
  tokenizeWork.steps += length + at + count;
}

/**
 * Adds buffer[start, end) as token `count` after `token.strip(string.punctuation)`, unless that
 * leaves two code points or fewer: then the token was likely an emoticon and stays whole.
 */
function addToken(
  out: Tokens,
  count: number,
  start: number,
  end: number,
  hash: number,
  shape: number,
): number {
  if (count === out.starts.length) growTokens(out);
  const buffer = out.buffer;
  let from = start;
  let to = end;
  while (from < to && isPunctuationUnit(buffer[from]!)) from++;
  while (to > from && isPunctuationUnit(buffer[to - 1]!)) to--;
  const kept = to - from;
  if (kept === end - start) {
    out.starts[count] = start;
    out.ends[count] = end;
  } else if (kept > 2 && (kept > 4 || codePoints(buffer, from, to) > 2)) {
    out.starts[count] = from;
    out.ends[count] = to;
  } else {
    // Kept whole with its punctuation: the hash of the stripped core does not apply.
    out.starts[count] = start;
    out.ends[count] = end;
    shape = 0;
  }
  out.hashes[count] = hash;
  out.shapes[count] = shape;
  return count + 1;
}

function growTokens(out: Tokens): void {
  const size = out.starts.length * 2;
  const starts = new Int32Array(size);
  starts.set(out.starts);
  out.starts = starts;
  const ends = new Int32Array(size);
  ends.set(out.ends);
  out.ends = ends;
  const hashes = new Int32Array(size);
  hashes.set(out.hashes);
  out.hashes = hashes;
  const shapes = new Uint8Array(size);
  shapes.set(out.shapes);
  out.shapes = shapes;
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
