/**
 * VADER sentiment scoring, reproducing the reference Python `vaderSentiment` 3.3.2
 * (`SentimentIntensityAnalyzer.polarity_scores`) rule for rule and bit for bit, in linear time.
 *
 * Where the reference recomputes things per word (lower-cased copies of the whole word list, list
 * searches), we compute each token's lower-case form, ALL-CAPS flag and lexicon valence once and
 * look at most three tokens back and two ahead, so the work per text is linear in its length. The
 * scorer keeps its scratch buffers between calls; it is synchronous and never re-entered.
 */
import { applyButShift } from './but-shift.js';
import { loadEmojiLexicon } from './emoji-lexicon.js';
import { loadVaderLexicon } from './lexicon.js';
import { pythonRound } from './python-round.js';
import { isPythonUpper, pythonLower } from './python-text.js';
import { ALPHA, BOOSTER_ENTRIES, C_INCR, N_SCALAR, NEGATIONS, SPECIAL_CASE_ENTRIES } from './rules.js';
import { createTokens, describeEmoji, type EmojiDescription, type Tokens, tokenize } from './tokenize.js';

export interface SentimentScores {
  /** Normalised sum of valences, -1..1, rounded to 4 decimals. */
  compound: number;
  /** Proportions of the text, rounded to 3 decimals. */
  pos: number;
  neu: number;
  neg: number;
}

export interface VaderLexicons {
  /** Lower-case token → valence (the reference's vader_lexicon.txt). */
  words: ReadonlyMap<string, number>;
  /** Code point → description (single-code-point part of emoji_utf8_lexicon.txt). */
  emoji: ReadonlyMap<number, string>;
}

/** A word sequence table: first word → rest of the phrase → value. */
type PhraseTable = Map<string, Map<string, number>>;

function phraseTable(entries: ReadonlyArray<readonly [string, number]>, wordCount: number): PhraseTable {
  const table: PhraseTable = new Map();
  for (const [phrase, value] of entries) {
    const words = phrase.split(' ');
    if (words.length !== wordCount) continue;
    const rest = words.slice(1).join(' ');
    let inner = table.get(words[0]!);
    if (inner === undefined) {
      inner = new Map();
      table.set(words[0]!, inner);
    }
    inner.set(rest, value);
  }
  return table;
}

function lookup2(table: PhraseTable, a: string, b: string): number | undefined {
  return table.get(a)?.get(b);
}

function lookup3(table: PhraseTable, a: string, b: string, c: string): number | undefined {
  const inner = table.get(a);
  // Building "b c" only happens when the first word starts some phrase (rare).
  return inner === undefined ? undefined : inner.get(`${b} ${c}`);
}

function isNegation(lower: string): boolean {
  return NEGATIONS.has(lower) || lower.includes("n't");
}

export class VaderScorer {
  private readonly lexicon: ReadonlyMap<string, number>;
  private readonly emoji: ReadonlyMap<number, EmojiDescription>;
  private readonly boosters: ReadonlyMap<string, number>;
  private readonly special2: PhraseTable;
  private readonly special3: PhraseTable;
  private readonly booster2: PhraseTable;
  private readonly booster3: PhraseTable;

  // Scratch, reused between calls and grown as needed.
  private readonly tokens: Tokens = createTokens();
  private lowers: string[] = [];
  private upper = new Uint8Array(64);
  /** Lexicon valence per token, NaN when the token is not in the lexicon. */
  private valences = new Float64Array(64);
  private sentiments = new Float64Array(64);

  constructor(lexicons: VaderLexicons) {
    this.lexicon = lexicons.words;
    const emoji = new Map<number, EmojiDescription>();
    for (const [codePoint, description] of lexicons.emoji) emoji.set(codePoint, describeEmoji(description));
    this.emoji = emoji;
    this.boosters = new Map(BOOSTER_ENTRIES.filter(([word]) => !word.includes(' ')));
    this.special2 = phraseTable(SPECIAL_CASE_ENTRIES, 2);
    this.special3 = phraseTable(SPECIAL_CASE_ENTRIES, 3);
    this.booster2 = phraseTable(BOOSTER_ENTRIES, 2);
    this.booster3 = phraseTable(BOOSTER_ENTRIES, 3);
  }

  /** Scores one text: the reference's `polarity_scores`. */
  score(text: string): SentimentScores {
    const tokens = this.tokens;
    tokenize(text, this.emoji, tokens);
    const n = tokens.count;
    if (n === 0) return { compound: 0, pos: 0, neu: 0, neg: 0 };
    this.ensureCapacity(n);
    const words = tokens.words;
    const lowers = this.lowers;
    const upper = this.upper;
    const valences = this.valences;
    const lexicon = this.lexicon;

    let upperCount = 0;
    let butIndex = -1;
    for (let i = 0; i < n; i++) {
      const word = words[i]!;
      const lower = pythonLower(word);
      lowers[i] = lower;
      const isUpper = isPythonUpper(word);
      upper[i] = isUpper ? 1 : 0;
      if (isUpper) upperCount++;
      const valence = lexicon.get(lower);
      valences[i] = valence === undefined ? Number.NaN : valence;
      if (butIndex < 0 && lower === 'but') butIndex = i;
    }
    // Some, but not all, tokens are ALL CAPS.
    const capDifferential = upperCount > 0 && upperCount < n;

    const sentiments = this.sentiments;
    for (let i = 0; i < n; i++) {
      const lower = lowers[i]!;
      if (this.boosters.has(lower) || (lower === 'kind' && i < n - 1 && lowers[i + 1] === 'of')) {
        sentiments[i] = 0;
        continue;
      }
      sentiments[i] = Number.isNaN(valences[i]!) ? 0 : this.valence(i, n, capDifferential);
    }

    if (butIndex >= 0) applyButShift(sentiments, n, butIndex);
    return this.summarise(sentiments, n, tokens);
  }

  /** The reference's `sentiment_valence` for a token in the lexicon. */
  private valence(i: number, n: number, capDifferential: boolean): number {
    const lowers = this.lowers;
    const valences = this.valences;
    const lower = lowers[i]!;
    const lexiconValence = valences[i]!;
    let valence = lexiconValence;

    // "no" before another lexicon word negates it rather than counting on its own.
    if (lower === 'no' && i !== n - 1 && !Number.isNaN(valences[i + 1]!)) valence = 0;
    if (
      (i > 0 && lowers[i - 1] === 'no') ||
      (i > 1 && lowers[i - 2] === 'no') ||
      (i > 2 && lowers[i - 3] === 'no' && (lowers[i - 1] === 'or' || lowers[i - 1] === 'nor'))
    ) {
      valence = lexiconValence * N_SCALAR;
    }

    if (capDifferential && this.upper[i] === 1) {
      if (valence > 0) valence += C_INCR;
      else valence -= C_INCR;
    }

    for (let back = 0; back < 3; back++) {
      const j = i - (back + 1);
      if (j < 0 || !Number.isNaN(valences[j]!)) continue;
      let scalar = this.boosterScalar(j, valence, capDifferential);
      if (back === 1 && scalar !== 0) scalar *= 0.95;
      else if (back === 2 && scalar !== 0) scalar *= 0.9;
      valence += scalar;
      valence = this.negationCheck(valence, back, i);
      if (back === 2) valence = this.specialIdioms(valence, i, n);
    }

    return this.leastCheck(valence, i);
  }

  /** The reference's `scalar_inc_dec` for the word at j. */
  private boosterScalar(j: number, valence: number, capDifferential: boolean): number {
    const booster = this.boosters.get(this.lowers[j]!);
    if (booster === undefined) return 0;
    let scalar = booster;
    if (valence < 0) scalar *= -1;
    if (capDifferential && this.upper[j] === 1) {
      if (valence > 0) scalar += C_INCR;
      else scalar -= C_INCR;
    }
    return scalar;
  }

  /** The reference's `_negation_check`, `back` words before token i. */
  private negationCheck(valence: number, back: number, i: number): number {
    const lowers = this.lowers;
    if (back === 0) {
      return isNegation(lowers[i - 1]!) ? valence * N_SCALAR : valence;
    }
    if (back === 1) {
      const w2 = lowers[i - 2]!;
      const w1 = lowers[i - 1]!;
      if (w2 === 'never' && (w1 === 'so' || w1 === 'this')) return valence * 1.25;
      if (w2 === 'without' && w1 === 'doubt') return valence;
      return isNegation(w2) ? valence * N_SCALAR : valence;
    }
    const w3 = lowers[i - 3]!;
    const w2 = lowers[i - 2]!;
    const w1 = lowers[i - 1]!;
    // As in the reference, the "so"/"this" right before the word counts without a "never".
    if ((w3 === 'never' && (w2 === 'so' || w2 === 'this')) || w1 === 'so' || w1 === 'this')
      return valence * 1.25;
    if (w3 === 'without' && (w2 === 'doubt' || w1 === 'doubt')) return valence;
    return isNegation(w3) ? valence * N_SCALAR : valence;
  }

  /** The reference's `_special_idioms_check` (only reached with i >= 3). */
  private specialIdioms(valence: number, i: number, n: number): number {
    const lowers = this.lowers;
    const w0 = lowers[i]!;
    const w1 = lowers[i - 1]!;
    const w2 = lowers[i - 2]!;
    const w3 = lowers[i - 3]!;
    const special =
      lookup2(this.special2, w1, w0) ??
      lookup3(this.special3, w2, w1, w0) ??
      lookup2(this.special2, w2, w1) ??
      lookup3(this.special3, w3, w2, w1) ??
      lookup2(this.special2, w3, w2);
    if (special !== undefined) valence = special;
    if (n - 1 > i) {
      const ahead = lookup2(this.special2, w0, lowers[i + 1]!);
      if (ahead !== undefined) valence = ahead;
    }
    if (n - 1 > i + 1) {
      const ahead = lookup3(this.special3, w0, lowers[i + 1]!, lowers[i + 2]!);
      if (ahead !== undefined) valence = ahead;
    }
    // Booster and dampener phrases ("kind of", "sort of", "just enough") before the word.
    const b321 = lookup3(this.booster3, w3, w2, w1);
    if (b321 !== undefined) valence += b321;
    const b32 = lookup2(this.booster2, w3, w2);
    if (b32 !== undefined) valence += b32;
    const b21 = lookup2(this.booster2, w2, w1);
    if (b21 !== undefined) valence += b21;
    return valence;
  }

  /** The reference's `_least_check`: "least" negates, except in "at least" and "very least". */
  private leastCheck(valence: number, i: number): number {
    const lowers = this.lowers;
    if (i > 0 && lowers[i - 1] === 'least' && Number.isNaN(this.valences[i - 1]!)) {
      if (i === 1) return valence * N_SCALAR;
      const w2 = lowers[i - 2];
      if (w2 !== 'at' && w2 !== 'very') return valence * N_SCALAR;
    }
    return valence;
  }

  /** The reference's `score_valence`: punctuation emphasis, normalisation, proportions, rounding. */
  private summarise(sentiments: Float64Array, n: number, tokens: Tokens): SentimentScores {
    let sum = 0;
    let posSum = 0;
    let negSum = 0;
    let neutral = 0;
    for (let i = 0; i < n; i++) {
      const s = sentiments[i]!;
      sum += s;
      if (s > 0)
        posSum += s + 1; // +1 compensates for neutral words counting 1
      else if (s < 0) negSum += s - 1;
      else neutral++;
    }
    const emphasis = punctuationEmphasis(tokens.exclamations, tokens.questions);
    if (sum > 0) sum += emphasis;
    else if (sum < 0) sum -= emphasis;
    let compound = sum / Math.sqrt(sum * sum + ALPHA);
    if (compound < -1) compound = -1;
    else if (compound > 1) compound = 1;

    const negMagnitude = Math.abs(negSum);
    if (posSum > negMagnitude) posSum += emphasis;
    else if (posSum < negMagnitude) negSum -= emphasis;
    const total = posSum + Math.abs(negSum) + neutral;
    return {
      compound: pythonRound(compound, 4),
      pos: pythonRound(Math.abs(posSum / total), 3),
      neu: pythonRound(Math.abs(neutral / total), 3),
      neg: pythonRound(Math.abs(negSum / total), 3),
    };
  }

  private ensureCapacity(n: number): void {
    if (this.valences.length >= n) return;
    let size = this.valences.length;
    while (size < n) size *= 2;
    this.upper = new Uint8Array(size);
    this.valences = new Float64Array(size);
    this.sentiments = new Float64Array(size);
  }
}

/** "!" (up to four) and "?" (two or more) add emphasis, as the reference measures it. */
function punctuationEmphasis(exclamations: number, questions: number): number {
  const ep = Math.min(exclamations, 4) * 0.292;
  let qm = 0;
  if (questions > 1) qm = questions <= 3 ? questions * 0.18 : 0.96;
  return ep + qm;
}

let defaultScorer: VaderScorer | undefined;

/** The scorer over the installed lexicons, loaded on first use. */
export function vaderScorer(): VaderScorer {
  defaultScorer ??= new VaderScorer({ words: loadVaderLexicon(), emoji: loadEmojiLexicon() });
  return defaultScorer;
}

/** VADER scores of `text`, as the reference `vaderSentiment` 3.3.2 computes them. */
export function scoreSentiment(text: string): SentimentScores {
  return vaderScorer().score(text);
}
