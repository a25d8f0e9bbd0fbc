/**
 * Prints our lexicons as JSON ({"words": token → valence, "emoji": code point in hex →
 * description}) for check_lexicons.py to compare with the reference's files. Development aid.
 */
import { loadEmojiLexicon } from '../emoji-lexicon.js';
import { loadVaderLexicon } from '../lexicon.js';

const emoji: Record<string, string> = {};
for (const [codePoint, description] of loadEmojiLexicon()) {
  emoji[codePoint.toString(16).toUpperCase()] = description;
}
const words = Object.fromEntries(loadVaderLexicon());
process.stdout.write(`${JSON.stringify({ words, emoji })}\n`);
