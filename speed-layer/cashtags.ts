/**
 * Cashtags: a tweet's topics are its `$SYMBOL`s (docs/ARCHITECTURE.md, Symbols), upper-cased, de-duplicated,
 * in order of first appearance. A cashtag is "$" followed by 1–6 letters with an optional ".X"
 * class suffix (schemas/symbol.ts), standing alone as a word:
 *
 * - "$" must not follow a letter, digit or "_" ("US$5", "a$B" are not cashtags);
 * - the symbol must not run on into a letter, digit or "_" ("$TOOLONGSYM", "$AB1", "$100" are not);
 * - punctuation may follow it ("$TSLA's", "($NVDA)", "$MSFT,", "$AAPL." all count);
 * - ".X" is a class suffix only when X is one letter ending the word ("$BRK.B"); "$AAPL.Great"
 *   is AAPL followed by a sentence.
 *
 * One pass over the text with indexOf, no regular expression per call.
 */
import { isSymbol, normalizeSymbol } from '../schemas/symbol.js';

const WORD_CHAR = /[\p{L}\p{N}_]/u;

function isAsciiLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** Letters, digits and "_" in any script: what a cashtag may not touch. NaN (out of range) is not. */
function isWordCharAt(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (Number.isNaN(code)) return false;
  if (code < 0x80) return isAsciiLetter(code) || (code >= 48 && code <= 57) || code === 95;
  return WORD_CHAR.test(String.fromCodePoint(text.codePointAt(index)!));
}

/** The end (exclusive) of the symbol after the "$" at `dollar`, or -1 when it is no cashtag. */
function symbolEnd(text: string, dollar: number): number {
  if (dollar > 0 && isWordCharAt(text, dollar - 1)) return -1;
  let end = dollar + 1;
  while (end < text.length && isAsciiLetter(text.charCodeAt(end))) end++;
  const letters = end - dollar - 1;
  if (letters === 0 || letters > 6) return -1;
  if (
    text.charCodeAt(end) === 46 &&
    isAsciiLetter(text.charCodeAt(end + 1)) &&
    !isWordCharAt(text, end + 2)
  ) {
    return end + 2;
  }
  return isWordCharAt(text, end) ? -1 : end;
}

/** The cashtag symbols of `text`: upper case, de-duplicated, in order of first appearance. */
export function extractCashtags(text: string): string[] {
  const symbols: string[] = [];
  let dollar = text.indexOf('$');
  while (dollar !== -1) {
    const end = symbolEnd(text, dollar);
    if (end !== -1) {
      const symbol = symbolAt(text, dollar + 1, end);
      if (symbol !== undefined && !symbols.includes(symbol)) symbols.push(symbol);
    }
    dollar = text.indexOf('$', dollar + 1);
  }
  return symbols;
}

/**
 * Symbols are few and recur in every tweet: each is cut, upper-cased and checked once, then found
 * by a number made of its letters (case folded; base 27 for up to six letters, times 32 plus the
 * class letter). The same string object comes back each time, so the maps keyed by symbol
 * downstream find it without hashing a new string.
 */
const knownSymbols = new Map<number, string | undefined>();
const MAX_KNOWN_SYMBOLS = 65_536;

function symbolAt(text: string, start: number, end: number): string | undefined {
  let key = 0;
  let i = start;
  for (; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) break;
    key = key * 27 + ((code | 0x20) - 96);
  }
  key = key * 32 + (i < end ? (text.charCodeAt(i + 1) | 0x20) - 96 : 0);
  if (knownSymbols.has(key)) return knownSymbols.get(key);
  const symbol = normalizeSymbol(text.slice(start, end));
  const valid = isSymbol(symbol) ? symbol : undefined;
  if (knownSymbols.size < MAX_KNOWN_SYMBOLS) knownSymbols.set(key, valid);
  return valid;
}
