import { describe, expect, it } from 'vitest';
import { EMOJI_NAME_OVERRIDES, loadEmojiLexicon } from './emoji-lexicon.js';
import { LEXICON_UPDATES, loadVaderLexicon } from './lexicon.js';

// The full comparison with the reference's files is reference/check_lexicons.py (needs Python).
describe('lexicons', () => {
  const emoji = loadEmojiLexicon();
  const words = loadVaderLexicon();

  it('has exactly the 1,212 single-code-point emoji of the reference', () => {
    expect(emoji.size).toBe(1212);
  });

  it('uses the reference names where CLDR renamed an emoji', () => {
    expect(emoji.get(0x1f917)).toBe('hugging face');
    expect(emoji.get(0x1f635)).toBe('dizzy face');
    expect(emoji.get(0x1f621)).toBe('pouting face');
    for (const codePoint of EMOJI_NAME_OVERRIDES.keys()) expect(emoji.has(codePoint)).toBe(true);
  });

  it('leaves out regional indicators and emoji newer than the reference', () => {
    expect(emoji.has(0x1f1fa)).toBe(false); // regional indicator U
    expect(emoji.has(0x1fae0)).toBe(false); // 🫠 (Emoji 14)
    expect(emoji.get(0xa9)).toBe('copyright');
  });

  it('has the 3.3.2 word lexicon, updates included', () => {
    expect(words.size).toBe(7506);
    for (const [word, valence] of LEXICON_UPDATES) expect(words.get(word)).toBe(valence);
    expect(words.get(':)')).toBe(2);
  });
});
