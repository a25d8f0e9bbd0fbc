/**
 * Python 3 `str` semantics the reference relies on, reproduced for JavaScript strings: what
 * `str.split()` treats as whitespace, what `str.strip(string.punctuation)` strips, what
 * `str.isupper()` and `str.lower()` answer. Hot paths take ASCII fast paths; the
 * regular expressions are compiled once.
 */

/** Python's `str.isspace()` for a code point (what `str.split()` and `str.strip()` split on). */
export function isPythonSpace(codePoint: number): boolean {
  if (codePoint < 0x80) return (codePoint >= 9 && codePoint <= 13) || (codePoint >= 28 && codePoint <= 32);
  return (
    codePoint === 0x85 ||
    codePoint === 0xa0 ||
    codePoint === 0x1680 ||
    (codePoint >= 0x2000 && codePoint <= 0x200a) ||
    codePoint === 0x2028 ||
    codePoint === 0x2029 ||
    codePoint === 0x202f ||
    codePoint === 0x205f ||
    codePoint === 0x3000
  );
}

/** Python's `string.punctuation`: the 32 ASCII punctuation characters. */
export function isAsciiPunctuation(code: number): boolean {
  return (
    (code >= 33 && code <= 47) ||
    (code >= 58 && code <= 64) ||
    (code >= 91 && code <= 96) ||
    (code >= 123 && code <= 126)
  );
}

const LOWER_OR_TITLE = /[\p{Lowercase}\p{Lt}]/u;
const UPPER = /\p{Uppercase}/u;

/**
 * Python's `str.isupper()`: no lowercase or titlecase character, and at least one uppercase one
 * (Unicode properties, so "ΑΒΓ" and "Ⓐ" count, "ǅ" does not).
 */
export function isPythonUpper(text: string): boolean {
  let cased = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 97 && code <= 122) return false;
    if (code >= 65 && code <= 90) cased = true;
    else if (code >= 0x80) return !LOWER_OR_TITLE.test(text) && UPPER.test(text);
  }
  return cased;
}

/** Python's `str.lower()`; JavaScript's full (locale-independent) mapping is the same mapping. */
export function pythonLower(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code >= 65 && code <= 90) || code >= 0x80) return text.toLowerCase();
  }
  return text;
}
