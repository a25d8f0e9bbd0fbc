import { describe, expect, it } from 'vitest';
import { isPythonSpace, isPythonUpper, pythonLower } from './python-text.js';

// Expected values are Python 3.11's answers for the same strings.
describe('Python string semantics', () => {
  it.each([
    ['GOOD', true],
    ['GOOD!', true],
    ['Good', false],
    [':D', true],
    [':)', false],
    ['123', false],
    ['ΑΒΓ', true],
    ['Ⓐ', true],
    ['ǅ', false],
    ['AªB', false],
    ['ÉCOLE', true],
  ])('isupper(%s) is %s', (text, expected) => {
    expect(isPythonUpper(text)).toBe(expected);
  });

  it('treats the same code points as whitespace as str.split()', () => {
    const spaces = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2028];
    for (const c of spaces) expect(isPythonSpace(c)).toBe(true);
    for (const c of [0x200b, 0xfeff, 0x180e, 0x41]) expect(isPythonSpace(c)).toBe(false);
  });

  it('lower-cases like str.lower()', () => {
    expect(pythonLower('NOT')).toBe('not');
    expect(pythonLower('ΣΑΣ')).toBe('σας');
  });
});
