/**
 * The VADER word lexicon, loaded once from the data file the `vader-sentiment` npm package ships
 * (`vader_lexicon.txt`, tab-separated: token, mean valence, standard deviation, ratings).
 *
 * That file is the lexicon of an older VADER release. The reference (`vaderSentiment` 3.3.2) differs
 * from it in exactly the entries of LEXICON_UPDATES, found by diffing the two files; they are applied
 * on top so that scores match the reference.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** Entries of the 3.3.2 lexicon that differ from the file npm ships (added, or changed valence). */
export const LEXICON_UPDATES: ReadonlyArray<readonly [string, number]> = [
  ['heart', 3.2], // missing from the npm file
  ['hearts', 3.3], // missing from the npm file
  ['flawed', -2.1], // missing from the npm file
  ['badass', 1.4], // -0.6 in the npm file
];

const require = createRequire(import.meta.url);

export function vaderLexiconPath(): string {
  return require.resolve('vader-sentiment/vader_lexicon.txt');
}

/**
 * Parses lexicon text as the reference does: each non-empty line is trimmed and split on tabs, the
 * first field is the token and the second its valence; a later duplicate replaces an earlier one.
 */
export function parseVaderLexicon(text: string): Map<string, number> {
  const lexicon = new Map<string, number>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const fields = line.split('\t');
    const token = fields[0];
    const valence = Number(fields[1]);
    if (token === undefined || Number.isNaN(valence)) throw new Error(`bad VADER lexicon line: ${line}`);
    lexicon.set(token, valence);
  }
  return lexicon;
}

/** The reference lexicon: the npm package's file plus LEXICON_UPDATES. */
export function loadVaderLexicon(path: string = vaderLexiconPath()): Map<string, number> {
  const lexicon = parseVaderLexicon(readFileSync(path, 'utf8'));
  for (const [token, valence] of LEXICON_UPDATES) lexicon.set(token, valence);
  return lexicon;
}
