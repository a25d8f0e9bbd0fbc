/**
 * Synthetic finance tweets. Faker (seeded) builds the bounded user population, the handles and the
 * short links once; each tweet is then composed from precompiled templates with a fast seeded PRNG,
 * which keeps generation well above 200k tweets/s on one core and makes a seed reproduce the exact
 * same stream. The mood of a tweet follows the regime of its first cashtag's symbol.
 */
import { en, Faker } from '@faker-js/faker';
import type { Tweet } from '../schemas/events.js';
import { EventTimeline, type EventTimelineOptions } from './event-timeline.js';
import { hashString, Random } from './random.js';
import { DEFAULT_REGIME_SEED, type Mood, RegimeSchedule } from './regime-schedule.js';
import { DEFAULT_SYMBOLS, profileOf, type SymbolProfile } from './symbols.js';
import {
  BEARISH_TEMPLATES,
  BULLISH_TEMPLATES,
  CRYPTO_HASHTAGS,
  EMOJI,
  EMOTICONS,
  EXTRA_SYMBOL_LEADS,
  HASHTAGS,
  NEUTRAL_TEMPLATES,
  SHOCK_PHRASES,
} from './tweet-vocabulary.js';

export interface TweetGeneratorOptions {
  seed: number | string;
  symbols?: readonly string[];
  /** Size of the author population; default 5000. */
  users?: number;
  /** Shared with the price walk so both follow the same regimes. */
  schedule?: RegimeSchedule;
  timeline: EventTimelineOptions;
  /** Share of tweets that name the company but carry no cashtag; default 0.01. */
  noCashtagRatio?: number;
}

// Slot codes of a compiled template.
const SLOT = { S: 0, N: 1, P: 2, PCT: 3, Q: 4, E: 5, C: 6 } as const;
type Slot = (typeof SLOT)[keyof typeof SLOT];
/** A template as alternating literal text and slot codes, parsed once. */
type Compiled = ReadonlyArray<string | Slot>;

function compile(template: string): Compiled {
  const parts: (string | Slot)[] = [];
  const pattern = /\{(S|N|P|PCT|Q|E|C)\}/g;
  let last = 0;
  for (let m = pattern.exec(template); m !== null; m = pattern.exec(template)) {
    if (m.index > last) parts.push(template.slice(last, m.index));
    parts.push(SLOT[m[1] as keyof typeof SLOT]);
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  return parts;
}

const TEMPLATES: Readonly<Record<Mood, readonly Compiled[]>> = {
  bullish: BULLISH_TEMPLATES.map(compile),
  bearish: BEARISH_TEMPLATES.map(compile),
  neutral: NEUTRAL_TEMPLATES.map(compile),
};

/** Tweet ids are Twitter-style snowflakes: ms since the Twitter epoch, a worker, a sequence. */
const TWITTER_EPOCH_MS = 1_288_834_974_657;

/** Probability of each mood given the regime's direction and strength. */
function moodFor(direction: number, strength: number, u: number, shock = false): Mood {
  if (direction === 0) return u < 0.25 ? 'bullish' : u < 0.5 ? 'bearish' : 'neutral';
  // 0.52..0.70 of tweets follow the regime; in a shock nearly all.
  const lean = shock ? 0.95 : 0.35 + 0.35 * strength;
  const against = shock ? 0.02 : 0.1;
  const up: Mood = direction > 0 ? 'bullish' : 'bearish';
  const down: Mood = direction > 0 ? 'bearish' : 'bullish';
  return u < lean ? up : u < lean + against ? down : 'neutral';
}

export class TweetGenerator {
  private readonly random: Random;
  private readonly timeline: EventTimeline;
  private readonly schedule: RegimeSchedule;
  private readonly profiles: readonly SymbolProfile[];
  private readonly cashtags: readonly string[];
  private readonly userIds: readonly string[];
  private readonly handles: readonly string[];
  private readonly links: readonly string[];
  private readonly worker: number;
  private readonly noCashtagRatio: number;
  private lastIdMs = -1;
  private sequence = 0;
  private idHigh = 0;
  private idLow = 0;

  constructor(options: TweetGeneratorOptions) {
    const symbols = options.symbols ?? DEFAULT_SYMBOLS;
    if (symbols.length === 0) throw new Error('at least one symbol is needed');
    const root = new Random(`tweets:${String(options.seed)}`);
    this.random = root.fork('text');
    this.timeline = new EventTimeline(options.timeline, root.fork('time'));
    this.schedule = options.schedule ?? new RegimeSchedule({ seed: options.seed ?? DEFAULT_REGIME_SEED });
    this.profiles = symbols.map(profileOf);
    this.cashtags = this.profiles.map((p) => `$${p.symbol}`);
    this.noCashtagRatio = options.noCashtagRatio ?? 0.01;
    this.worker = hashString(String(options.seed)) & 0x3ff;

    const faker = new Faker({ locale: [en] });
    faker.seed(hashString(`faker:${String(options.seed)}`));
    const users = options.users ?? 5000;
    if (!Number.isInteger(users) || users < 1) throw new Error('users must be a positive integer');
    const ids = new Set<string>();
    while (ids.size < users)
      ids.add(faker.string.numeric({ length: { min: 7, max: 19 }, allowLeadingZeros: false }));
    this.userIds = [...ids];
    this.handles = Array.from({ length: 400 }, () =>
      faker.internet
        .username()
        .replace(/[^A-Za-z0-9_]/g, '')
        .slice(0, 15)
        .padEnd(3, '_'),
    );
    this.links = Array.from({ length: 500 }, () => `https://t.co/${faker.string.alphanumeric(10)}`);
  }

  /** Nominal time of the next tweet (for `--duration`). */
  peekNominal(): number {
    return this.timeline.peekNominal();
  }

  get startTime(): number {
    return this.timeline.start;
  }

  next(): Tweet {
    const r = this.random;
    const stamp = this.timeline.next();
    const first = r.int(this.profiles.length);
    const profile = this.profiles[first] as SymbolProfile;
    const regime = this.schedule.at(profile.symbol, stamp.nominal);
    const mood = moodFor(regime.direction, regime.strength, r.next(), regime.shock);
    const withCashtag = !r.chance(this.noCashtagRatio);
    // Now and then a lower-case cashtag: consumers must upper-case them.
    const tag = withCashtag
      ? r.chance(0.03)
        ? `$${profile.symbol.toLowerCase()}`
        : `$${profile.symbol}`
      : profile.name;

    let text = '';
    const template = r.pick(TEMPLATES[mood]);
    for (let i = 0; i < template.length; i++) {
      const part = template[i] as string | Slot;
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      switch (part) {
        case SLOT.S:
          text += tag;
          break;
        case SLOT.N:
          text += profile.name;
          break;
        case SLOT.P:
          text += `$${(profile.startPrice * (0.85 + 0.3 * r.next())).toFixed(2)}`;
          break;
        case SLOT.PCT:
          text += `${(0.3 + 9.7 * r.next()).toFixed(1)}%`;
          break;
        case SLOT.Q:
          text += profile.crypto ? (0.05 + r.next() * 3).toFixed(2) : String(r.between(5, 500));
          break;
        case SLOT.E:
          text += r.pick(EMOJI[mood]);
          break;
        case SLOT.C:
          text += r.pick(EMOTICONS[mood]);
          break;
      }
    }
    // Shouting: the whole sentence in caps, before links and handles are added.
    // Drawn only in a shock, so that a stream without shocks is what it always was.
    if (regime.shock && mood !== 'neutral') text += ` ${r.pick(SHOCK_PHRASES[mood])}`;
    if (r.chance(0.05)) text = text.toUpperCase();

    if (withCashtag) {
      const extra = r.chance(0.4) ? (r.chance(0.25) ? 2 : 1) : 0;
      let previous = first;
      for (let k = 0; k < extra && this.profiles.length > 1; k++) {
        // A different symbol from the previous one; a repeat of the first is possible and harmless.
        let other = r.int(this.profiles.length - 1);
        if (other >= previous) other++;
        previous = other;
        text += `${r.pick(EXTRA_SYMBOL_LEADS)} ${this.cashtags[other] as string}`;
      }
    }
    if (r.chance(0.3)) {
      text += ` ${r.pick(profile.crypto ? CRYPTO_HASHTAGS : HASHTAGS)}`;
      if (r.chance(0.3)) text += ` #${profile.symbol.replace('.', '')}`;
    }
    if (r.chance(0.12)) text = `@${r.pick(this.handles)} ${text}`;
    else if (r.chance(0.05)) text += ` cc @${r.pick(this.handles)}`;
    if (r.chance(0.12)) text += ` ${r.pick(this.links)}`;

    // Authors are skewed: a few accounts post much of the traffic, as on the real site.
    const u = r.next();
    const userId = this.userIds[Math.floor(u * u * this.userIds.length)] as string;
    return { id: this.nextId(stamp.nominal), created_at: stamp.eventTime, text, user_id: userId };
  }

  private nextId(nominalMs: number): string {
    let ms = Math.max(Math.floor(nominalMs), this.lastIdMs);
    if (ms === this.lastIdMs) {
      this.sequence++;
      if (this.sequence > 0xfff) {
        ms++;
        this.sequence = 0;
      }
    } else {
      this.sequence = 0;
    }
    if (ms !== this.lastIdMs) {
      this.lastIdMs = ms;
      const since = ms - TWITTER_EPOCH_MS;
      this.idHigh = Math.floor(since / 1e9);
      this.idLow = since % 1e9;
    }
    return snowflake(this.idHigh, this.idLow, (this.worker << 12) | this.sequence);
  }
}

/**
 * The decimal string of (high * 1e9 + low) * 2^22 + tail without BigInt (which costs more than
 * the rest of the id): the product is split in base 1e9 so every step stays below 2^53.
 */
function snowflake(high: number, low: number, tail: number): string {
  const lowPart = low * 4_194_304 + tail;
  const digits = lowPart % 1e9;
  const upper = high * 4_194_304 + Math.floor(lowPart / 1e9);
  return upper === 0 ? String(digits) : `${upper}${String(digits).padStart(9, '0')}`;
}
