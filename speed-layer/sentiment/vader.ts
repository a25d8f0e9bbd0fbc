/**
 * VADER sentiment scoring, reproducing the reference Python `vaderSentiment` 3.3.2
 * (`SentimentIntensityAnalyzer.polarity_scores`) rule for rule and bit for bit, in linear time.
 *
 * Where the reference recomputes things per word (lower-cased copies of the whole word list, list
 * searches), we compute each token's word id, ALL-CAPS flag and lexicon valence once and look at
 * most three tokens back and two ahead, so the work per text is linear in its length. Tokens are
 * spans of a code-unit buffer (tokenize.ts), looked up without creating strings; only tokens with
 * non-ASCII characters become strings, for Python's Unicode lower() and isupper(). The scorer keeps
 * its scratch buffers between calls; it is synchronous and never re-entered.
 */
import { applyButShift } from './but-shift.js';
import { loadEmojiLexicon } from './emoji-lexicon.js';
import { loadVaderLexicon } from './lexicon.js';
import { pythonRound } from './python-round.js';
import { isPythonUpper, pythonLower } from './python-text.js';
import { ALPHA, BOOSTER_ENTRIES, C_INCR, N_SCALAR, NEGATIONS, SPECIAL_CASE_ENTRIES } from './rules.js';
import {
  createTokens,
  describeEmoji,
  type EmojiDescription,
  EmojiTable,
  HAS_LOWER,
  HAS_UPPER,
  isCaseless,
  KNOWN,
  type Tokens,
  tokenize,
  unitsToString,
} from './tokenize.js';
import { HASH_SEED, hashStep, WordTable } from './word-table.js';

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

// Word ids: every word the rules look at gets a small integer, so that each token costs one probe
// of a hash table (word-table.ts) and the rules compare integers. Id 0 is any other word. The
// keywords are registered first, in this order, so they have the fixed ids below.
const KEYWORDS = 'no or nor but kind of least at very never so this without doubt'.split(' ');
const NO = 1;
const OR = 2;
const NOR = 3;
const BUT = 4;
const KIND = 5;
const OF = 6;
const LEAST = 7;
const AT = 8;
const VERY = 9;
const NEVER = 10;
const SO = 11;
const THIS = 12;
const WITHOUT = 13;
const DOUBT = 14;

const IS_NEGATION = 1;
/** First word of a special-case or booster phrase: the phrase checks are skipped otherwise. */
const STARTS_PHRASE = 2;

/** A phrase as word ids, with its value. */
type Phrase = readonly [ids: readonly number[], value: number];

export class VaderScorer {
  private readonly emoji: EmojiTable;
  private readonly ids = new WordTable(8192);
  /** Per word id: lexicon valence (NaN when not in the lexicon), booster scalar (0 if none), flags. */
  private readonly wordValence: Float64Array;
  private readonly wordBooster: Float64Array;
  private readonly wordFlags: Uint8Array;
  private readonly specialCases: Phrase[];
  private readonly boosterPhrases: Phrase[];

  // Scratch, reused between calls and grown as needed.
  private readonly tokens: Tokens = createTokens();
  /** Python lower() of the tokens that need Unicode case handling (the others are read from the buffer). */
  private unicodeLowers: string[] = [];
  /** 1 when only ASCII letters in the token have case: its lower-case form is the buffer's, ASCII-lowered. */
  private plain = new Uint8Array(64);
  private tokenIds = new Int32Array(64);
  private upper = new Uint8Array(64);
  /** Lexicon valence per token, NaN when the token is not in the lexicon. */
  private valences = new Float64Array(64);
  private sentiments = new Float64Array(64);

  constructor(lexicons: VaderLexicons) {
    const emoji = new Map<number, EmojiDescription>();
    for (const [codePoint, description] of lexicons.emoji) emoji.set(codePoint, describeEmoji(description));
    this.emoji = new EmojiTable(emoji);
    const valence: number[] = [Number.NaN];
    const booster: number[] = [0];
    const flags: number[] = [0];
    const idOf = (word: string): number => {
      const id = this.ids.add(word, valence.length);
      if (id === valence.length) {
        valence.push(Number.NaN);
        booster.push(0);
        flags.push(0);
      }
      return id;
    };
    for (const keyword of KEYWORDS) idOf(keyword);
    for (const [word, value] of lexicons.words) valence[idOf(word)] = value;
    for (const word of NEGATIONS) flags[idOf(word)]! |= IS_NEGATION;
    for (const [word, scalar] of BOOSTER_ENTRIES) if (!word.includes(' ')) booster[idOf(word)] = scalar;
    const phrases = (entries: ReadonlyArray<readonly [string, number]>): Phrase[] =>
      entries
        .filter(([phrase]) => phrase.includes(' '))
        .map(([phrase, value]) => {
          const ids = phrase.split(' ').map(idOf);
          flags[ids[0]!]! |= STARTS_PHRASE;
          return [ids, value] as const;
        });
    this.specialCases = phrases(SPECIAL_CASE_ENTRIES);
    this.boosterPhrases = phrases(BOOSTER_ENTRIES);
    this.wordValence = Float64Array.from(valence);
    this.wordBooster = Float64Array.from(booster);
    this.wordFlags = Uint8Array.from(flags);
  }

  /** Scores one text: the reference's `polarity_scores`. */
  score(text: string): SentimentScores {
    const tokens = this.tokens;
    tokenize(text, this.emoji, tokens);
    const n = tokens.count;
    if (n === 0) return { compound: 0, pos: 0, neu: 0, neg: 0 };
    this.ensureCapacity(n);
    const upperCount = this.identify(n);
    // Some, but not all, tokens are ALL CAPS.
    const capDifferential = upperCount > 0 && upperCount < n;
    const sentiments = this.sentiments;
    let butIndex = -1;
    const ids = this.tokenIds;
    for (let i = 0; i < n; i++) {
      const id = ids[i]!;
      if (id === BUT && butIndex < 0) butIndex = i;
      if (this.wordBooster[id] !== 0 || (id === KIND && i < n - 1 && ids[i + 1] === OF)) {
        sentiments[i] = 0;
        continue;
      }
      sentiments[i] = Number.isNaN(this.valences[i]!) ? 0 : this.valence(i, n, capDifferential);
    }
    if (butIndex >= 0) applyButShift(sentiments, n, butIndex);
    return this.summarise(sentiments, n, tokens);
  }

  /**
   * Fills word id, ALL-CAPS flag, ASCII flag and lexicon valence of tokens [0, n); returns how many
   * are ALL CAPS.
   */
  private identify(n: number): number {
    const { buffer, starts, ends, hashes, shapes } = this.tokens;
    const ids = this.tokenIds;
    const upper = this.upper;
    const plain = this.plain;
    const valences = this.valences;
    const table = this.ids;
    const wordValence = this.wordValence;
    let upperCount = 0;
    for (let i = 0; i < n; i++) {
      const start = starts[i]!;
      const end = ends[i]!;
      let shape = shapes[i]!;
      let hash = hashes[i]!;
      if ((shape & KNOWN) === 0) {
        // The tokenizer could not tell: find out whether it is all ASCII, with hash and case.
        hash = HASH_SEED;
        shape = KNOWN;
        for (let k = start; k < end; k++) {
          let unit = buffer[k]!;
          if (unit >= 0x80) {
            const codePoint = codePointAt(buffer, k, end);
            if (!isCaseless(codePoint)) {
              shape = 0;
              break;
            }
            hash = hashStep(hash, unit);
            if (codePoint > 0xffff) hash = hashStep(hash, buffer[++k]!);
            continue;
          }
          if (unit >= 65 && unit <= 90) {
            shape |= HAS_UPPER;
            unit += 32;
          } else if (unit >= 97 && unit <= 122) shape |= HAS_LOWER;
          hash = hashStep(hash, unit);
        }
      }
      const plainCase = shape !== 0;
      let id: number;
      let isUpper: boolean;
      if (plainCase) {
        id = table.getLowerCaseSpan(buffer, start, end, hash);
        isUpper = (shape & HAS_UPPER) !== 0 && (shape & HAS_LOWER) === 0;
        plain[i] = 1;
      } else {
        // Python's str.lower() and str.isupper() on the token, with full Unicode semantics.
        const word = unitsToString(buffer, start, end);
        const lower = pythonLower(word);
        this.unicodeLowers[i] = lower;
        id = table.get(lower);
        isUpper = isPythonUpper(word);
        plain[i] = 0;
      }
      ids[i] = id;
      upper[i] = isUpper ? 1 : 0;
      if (isUpper) upperCount++;
      valences[i] = wordValence[id]!;
    }
    return upperCount;
  }

  /** The reference's `negated` for the single token at j: a negation word, or any word with "n't". */
  private isNegated(j: number): boolean {
    if ((this.wordFlags[this.tokenIds[j]!]! & IS_NEGATION) !== 0) return true;
    if (this.plain[j] === 0) return this.unicodeLowers[j]!.includes("n't");
    const buffer = this.tokens.buffer;
    const end = this.tokens.ends[j]! - 2;
    for (let k = this.tokens.starts[j]!; k < end; k++) {
      if ((buffer[k]! | 32) === 110 && buffer[k + 1] === 39 && (buffer[k + 2]! | 32) === 116) return true;
    }
    return false;
  }

  /** The reference's `sentiment_valence` for a token in the lexicon. */
  private valence(i: number, n: number, capDifferential: boolean): number {
    const ids = this.tokenIds;
    const valences = this.valences;
    const lexiconValence = valences[i]!;
    let valence = lexiconValence;

    // "no" before another lexicon word negates it rather than counting on its own.
    if (ids[i] === NO && i !== n - 1 && !Number.isNaN(valences[i + 1]!)) valence = 0;
    if (
      (i > 0 && ids[i - 1] === NO) ||
      (i > 1 && ids[i - 2] === NO) ||
      (i > 2 && ids[i - 3] === NO && (ids[i - 1] === OR || ids[i - 1] === NOR))
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
    const booster = this.wordBooster[this.tokenIds[j]!]!;
    if (booster === 0) return 0;
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
    const ids = this.tokenIds;
    if (back === 0) return this.isNegated(i - 1) ? valence * N_SCALAR : valence;
    if (back === 1) {
      const w2 = ids[i - 2];
      const w1 = ids[i - 1];
      if (w2 === NEVER && (w1 === SO || w1 === THIS)) return valence * 1.25;
      if (w2 === WITHOUT && w1 === DOUBT) return valence;
      return this.isNegated(i - 2) ? valence * N_SCALAR : valence;
    }
    const w3 = ids[i - 3];
    const w2 = ids[i - 2];
    const w1 = ids[i - 1];
    // As in the reference, the "so"/"this" right before the word counts without a "never".
    if ((w3 === NEVER && (w2 === SO || w2 === THIS)) || w1 === SO || w1 === THIS) return valence * 1.25;
    if (w3 === WITHOUT && (w2 === DOUBT || w1 === DOUBT)) return valence;
    return this.isNegated(i - 3) ? valence * N_SCALAR : valence;
  }

  /** Whether the tokens from `start` spell `phrase` (tokens past the end never match). */
  private spells(phrase: readonly number[], start: number, n: number): boolean {
    if (start + phrase.length > n) return false;
    for (let k = 0; k < phrase.length; k++) if (this.tokenIds[start + k] !== phrase[k]) return false;
    return true;
  }

  /** The value of the first phrase of `table` spelled by exactly the tokens [start, end), if any. */
  private phraseAt(table: Phrase[], start: number, end: number): number | undefined {
    if ((this.wordFlags[this.tokenIds[start]!]! & STARTS_PHRASE) === 0) return undefined;
    for (const [phrase, value] of table) {
      if (phrase.length === end - start && this.spells(phrase, start, end)) return value;
    }
    return undefined;
  }

  /** The reference's `_special_idioms_check` (only reached with i >= 3). */
  private specialIdioms(valence: number, i: number, n: number): number {
    const special = this.specialCases;
    const found =
      this.phraseAt(special, i - 1, i + 1) ??
      this.phraseAt(special, i - 2, i + 1) ??
      this.phraseAt(special, i - 2, i) ??
      this.phraseAt(special, i - 3, i) ??
      this.phraseAt(special, i - 3, i - 1);
    if (found !== undefined) valence = found;
    if (n - 1 > i) {
      const ahead = this.phraseAt(special, i, i + 2);
      if (ahead !== undefined) valence = ahead;
    }
    if (n - 1 > i + 1) {
      const ahead = this.phraseAt(special, i, i + 3);
      if (ahead !== undefined) valence = ahead;
    }
    // Booster and dampener phrases ("kind of", "sort of", "just enough") before the word.
    const boosters = this.boosterPhrases;
    const b321 = this.phraseAt(boosters, i - 3, i);
    if (b321 !== undefined) valence += b321;
    const b32 = this.phraseAt(boosters, i - 3, i - 1);
    if (b32 !== undefined) valence += b32;
    const b21 = this.phraseAt(boosters, i - 2, i);
    if (b21 !== undefined) valence += b21;
    return valence;
  }

  /** The reference's `_least_check`: "least" negates, except in "at least" and "very least". */
  private leastCheck(valence: number, i: number): number {
    const ids = this.tokenIds;
    if (i > 0 && ids[i - 1] === LEAST && Number.isNaN(this.valences[i - 1]!)) {
      if (i === 1) return valence * N_SCALAR;
      const w2 = ids[i - 2];
      if (w2 !== AT && w2 !== VERY) return valence * N_SCALAR;
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
    this.tokenIds = new Int32Array(size);
    this.upper = new Uint8Array(size);
    this.plain = new Uint8Array(size);
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

/** The code point starting at buffer[k] (a lone surrogate stands for itself). */
function codePointAt(buffer: Uint16Array, k: number, end: number): number {
  const unit = buffer[k]!;
  if (unit >= 0xd800 && unit <= 0xdbff && k + 1 < end) {
    const next = buffer[k + 1]!;
    if (next >= 0xdc00 && next <= 0xdfff) return ((unit - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
  }
  return unit;
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
