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
      const symbol = normalizeSymbol(text.slice(dollar + 1, end));
      if (isSymbol(symbol) && !symbols.includes(symbol)) symbols.push(symbol);
    }
    dollar = text.indexOf('$', dollar + 1);
  }
  return symbols;
}
