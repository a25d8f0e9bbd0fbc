/**
 * The rule constants of VADER as the reference `vaderSentiment` 3.3.2 defines them. They are part of
 * the algorithm; the lexicons proper are data and load from installed packages (lexicon.ts,
 * emoji-lexicon.ts).
 */

/** Empirical mean intensity change of a booster word (dampeners use the negative). */
export const B_INCR = 0.293;
export const B_DECR = -0.293;
/** Empirical mean intensity increase of an ALL-CAPS word among mixed-case words. */
export const C_INCR = 0.733;
/** Multiplier applied to a negated valence. */
export const N_SCALAR = -0.74;
/** Normalisation constant: compound = sum / sqrt(sum² + ALPHA). */
export const ALPHA = 15;

const words = (list: string): string[] => list.trim().split(/\s+/);

/** Words that negate what follows them; any word containing "n't" negates as well. */
export const NEGATIONS: ReadonlySet<string> = new Set(
  words(`
    aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't didn't
    doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't
    mightn't mustn't neednt needn't never none nope nor not nothing nowhere oughtnt shant shouldnt
    uhuh wasnt werent oughtn't shan't shouldn't uh-uh wasn't weren't without wont wouldnt won't
    wouldn't rarely seldom despite
  `),
);

const boosters = words(`
  absolutely amazingly awfully completely considerable considerably decidedly deeply effing
  enormous enormously entirely especially exceptional exceptionally extreme extremely fabulously
  flipping flippin frackin fracking fricking frickin frigging friggin fully fuckin fucking fuggin
  fugging greatly hella highly hugely incredible incredibly intensely major majorly more most
  particularly purely quite really remarkably so substantially thoroughly total totally tremendous
  tremendously uber unbelievably unusually utter utterly very
`);
const dampeners = [
  ...words(`
    almost barely hardly kinda kindof kind-of less little marginal marginally occasional
    occasionally partly scarce scarcely slight slightly somewhat sorta sortof sort-of
  `),
  'just enough',
  'kind of',
  'sort of',
];

/** Booster and dampener entries, single words and phrases alike, with their scalar. */
export const BOOSTER_ENTRIES: ReadonlyArray<readonly [string, number]> = [
  ...boosters.map((word) => [word, B_INCR] as const),
  ...dampeners.map((word) => [word, B_DECR] as const),
];

/** Idioms and phrases that override the valence of a lexicon word near them. */
export const SPECIAL_CASE_ENTRIES: ReadonlyArray<readonly [string, number]> = [
  ['the shit', 3],
  ['the bomb', 3],
  ['bad ass', 1.5],
  ['badass', 1.5],
  ['bus stop', 0.0],
  ['yeah right', -2],
  ['kiss of death', -1.5],
  ['to die for', 3],
  ['beating heart', 3.5],
];
