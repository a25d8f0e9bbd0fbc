/**
 * The emoji lexicon: code point → description, as the reference `vaderSentiment` 3.3.2 uses it.
 *
 * The reference walks the text one code point at a time and replaces each code point found in its
 * `emoji_utf8_lexicon.txt` by the description, so only its single-code-point entries can ever match
 * (1,212 of them: every single-code-point emoji up to Emoji 11.0, the regional indicators excluded).
 * We take that set and its names from `emojibase-data` (CLDR names), loaded once at run time. CLDR
 * renamed 55 of those emoji after the reference's file was made; EMOJI_NAME_OVERRIDES gives them
 * the reference's names. The set and every name were checked against the reference's file (see
 * reference/check_emoji_lexicon.py and emoji-lexicon.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Newest Emoji version the reference's lexicon covers. */
export const REFERENCE_EMOJI_VERSION = 11;

/** Emoji whose current CLDR name (emojibase) differs from the reference's description. */
export const EMOJI_NAME_OVERRIDES: ReadonlyMap<number, string> = new Map([
  [0x2611, 'ballot box with check'], // ☑ now "check box with check"
  [0x2705, 'white heavy check mark'], // ✅ now "check mark button"
  [0x2714, 'heavy check mark'], // ✔ now "check mark"
  [0x2716, 'heavy multiplication x'], // ✖ now "multiply"
  [0x2753, 'question mark'], // ❓ now "red question mark"
  [0x2757, 'exclamation mark'], // ❗ now "red exclamation mark"
  [0x2763, 'heavy heart exclamation'], // ❣ now "heart exclamation"
  [0x2795, 'heavy plus sign'], // ➕ now "plus"
  [0x2796, 'heavy minus sign'], // ➖ now "minus"
  [0x2797, 'heavy division sign'], // ➗ now "divide"
  [0x2b55, 'heavy large circle'], // ⭕ now "hollow red circle"
  [0x1f970, 'smiling face with 3 hearts'], // 🥰 now "smiling face with hearts"
  [0x1f917, 'hugging face'], // 🤗 now "smiling face with open hands"
  [0x1f635, 'dizzy face'], // 😵 now "face with crossed-out eyes"
  [0x1f621, 'pouting face'], // 😡 now "enraged face"
  [0x1f916, 'robot face'], // 🤖 now "robot"
  [0x1f63a, 'grinning cat face'], // 😺 now "grinning cat"
  [0x1f638, 'grinning cat face with smiling eyes'], // 😸
  [0x1f639, 'cat face with tears of joy'], // 😹
  [0x1f63b, 'smiling cat face with heart-eyes'], // 😻
  [0x1f63c, 'cat face with wry smile'], // 😼
  [0x1f63d, 'kissing cat face'], // 😽
  [0x1f640, 'weary cat face'], // 🙀
  [0x1f63f, 'crying cat face'], // 😿
  [0x1f63e, 'pouting cat face'], // 😾
  [0x1f9d1, 'adult'], // 🧑 now "person"
  [0x1f9d3, 'older adult'], // 🧓 now "older person"
  [0x1f472, 'man with Chinese cap'], // 👲 now "person with skullcap"
  [0x1f9d4, 'bearded person'], // 🧔 now "person: beard"
  [0x1f471, 'blond-haired person'], // 👱 now "person: blond hair"
  [0x1f935, 'man in tuxedo'], // 🤵 now "person in tuxedo"
  [0x1f470, 'bride with veil'], // 👰 now "person with veil"
  [0x1f574, 'man in suit levitating'], // 🕴 now "person in suit levitating"
  [0x1f46b, 'man and woman holding hands'], // 👫 now "woman and man holding hands"
  [0x1f46c, 'two men holding hands'], // 👬 now "men holding hands"
  [0x1f46d, 'two women holding hands'], // 👭 now "women holding hands"
  [0x1f9b0, 'red-haired'], // 🦰 now "red hair"
  [0x1f9b1, 'curly-haired'], // 🦱 now "curly hair"
  [0x1f9b3, 'white-haired'], // 🦳 now "white hair"
  [0x1f4a4, 'zzz'], // 💤 now "ZZZ"
  [0x1f392, 'school backpack'], // 🎒 now "backpack"
  [0x1f97f, 'woman’s flat shoe'], // 🥿 now "flat shoe"
  [0x1f43a, 'wolf face'], // 🐺 now "wolf"
  [0x1f98a, 'fox face'], // 🦊 now "fox"
  [0x1f981, 'lion face'], // 🦁 now "lion"
  [0x1f984, 'unicorn face'], // 🦄 now "unicorn"
  [0x1f439, 'hamster face'], // 🐹 now "hamster"
  [0x1f43b, 'bear face'], // 🐻 now "bear"
  [0x1f43c, 'panda face'], // 🐼 now "panda"
  [0x1f438, 'frog face'], // 🐸 now "frog"
  [0x1f9f1, 'bricks'], // 🧱 now "brick"
  [0x1f3af, 'direct hit'], // 🎯 now "bullseye"
  [0x1f9e9, 'jigsaw'], // 🧩 now "puzzle piece"
  [0x1f4bb, 'laptop computer'], // 💻 now "laptop"
  [0x1f52b, 'pistol'], // 🔫 now "water pistol"
]);

interface EmojibaseEntry {
  hexcode: string;
  label: string;
  version: number;
  skins?: EmojibaseEntry[];
}

const require = createRequire(import.meta.url);

export function emojibasePath(): string {
  return require.resolve('emojibase-data/en/data.json');
}

/** The code point of an emoji that is one code point once variation selectors are dropped. */
function singleCodePoint(hexcode: string): number | undefined {
  const parts = hexcode.split('-').filter((part) => part !== 'FE0F' && part !== 'FE0E');
  if (parts.length !== 1) return undefined;
  return Number.parseInt(parts[0]!, 16);
}

/** Code point → description, exactly the single-code-point part of the reference's emoji lexicon. */
export function loadEmojiLexicon(path: string = emojibasePath()): Map<number, string> {
  const entries = JSON.parse(readFileSync(path, 'utf8')) as EmojibaseEntry[];
  const lexicon = new Map<number, string>();
  const add = (entry: EmojibaseEntry) => {
    // Version 0 marks the regional indicator letters, which the reference does not list.
    if (entry.version <= 0 || entry.version > REFERENCE_EMOJI_VERSION) return;
    const codePoint = singleCodePoint(entry.hexcode);
    if (codePoint === undefined) return;
    lexicon.set(codePoint, EMOJI_NAME_OVERRIDES.get(codePoint) ?? entry.label);
  };
  for (const entry of entries) {
    add(entry);
    for (const skin of entry.skins ?? []) add(skin);
  }
  return lexicon;
}
