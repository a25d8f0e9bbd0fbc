/**
 * Sentiment regimes: for each symbol, event time is cut into fixed periods and each period is
 * bullish, bearish or neutral. The schedule is a pure function of (seed, symbol, period index),
 * so a tweet producer and a price producer built with the same seed agree on every regime even
 * in separate processes: tweets lean the regime's way and prices drift the regime's way, which
 * is what gives the downstream sentiment/return correlation something real to find.
 */
import { hashString, mix32 } from './random.js';

export type Mood = 'bullish' | 'bearish' | 'neutral';

export interface Regime {
  mood: Mood;
  /** In (0, 1]: how strongly the period leans; scales tweet skew and price drift. */
  strength: number;
  /** +1 bullish, -1 bearish, 0 neutral. */
  direction: 1 | -1 | 0;
  /**
   * A shock (a crash or a squeeze): nearly every tweet follows the regime, the price runs several
   * per cent in minutes. Rare and only when asked for (`shockShare`); what the alert rules exist for.
   */
  shock?: true;
}

export interface RegimeScheduleOptions {
  seed: number | string;
  /** Length of one regime period in ms; default 10 minutes. */
  periodMs?: number;
  /** Share of bullish and of bearish periods; the rest are neutral. Default 0.35 each. */
  bullishShare?: number;
  bearishShare?: number;
  /** Share of the bullish and bearish periods that are shocks; default 0 (none). */
  shockShare?: number;
}

/** Regime seed when no `--seed` is given: fixed, so unseeded producers running at once still agree. */
export const DEFAULT_REGIME_SEED = 'market-sentiment-regimes';
export const DEFAULT_REGIME_PERIOD_MS = 10 * 60_000;

export class RegimeSchedule {
  readonly periodMs: number;
  private readonly seedHash: number;
  private readonly bullishShare: number;
  private readonly bearishShare: number;
  private readonly shockShare: number;
  private readonly symbolHashes = new Map<string, number>();

  constructor(options: RegimeScheduleOptions) {
    this.periodMs = options.periodMs ?? DEFAULT_REGIME_PERIOD_MS;
    if (!(this.periodMs > 0)) throw new Error('regime period must be positive');
    this.seedHash = hashString(`regimes:${String(options.seed)}`);
    this.bullishShare = options.bullishShare ?? 0.35;
    this.bearishShare = options.bearishShare ?? 0.35;
    this.shockShare = options.shockShare ?? 0;
    if (!(this.shockShare >= 0 && this.shockShare <= 1)) throw new Error('shock share must be in [0, 1]');
  }

  /** The regime of `symbol` at event time `epochMs`. */
  at(symbol: string, epochMs: number): Regime {
    let symbolHash = this.symbolHashes.get(symbol);
    if (symbolHash === undefined) {
      symbolHash = hashString(symbol);
      this.symbolHashes.set(symbol, symbolHash);
    }
    const period = Math.floor(epochMs / this.periodMs);
    // Split the period index into two 32-bit halves so far-future times do not alias.
    const h = mix32(this.seedHash, symbolHash, period >>> 0, Math.floor(period / 4294967296));
    const u = h / 4294967296;
    const strength = 0.5 + (mix32(h, 7) / 4294967296) * 0.5;
    // Its own hash: with no shocks asked for, every other period stays as it was.
    const shock = this.shockShare > 0 && mix32(h, 11) / 4294967296 < this.shockShare;
    if (u < this.bullishShare)
      return shock
        ? { mood: 'bullish', strength: 1, direction: 1, shock }
        : { mood: 'bullish', strength, direction: 1 };
    if (u < this.bullishShare + this.bearishShare)
      return shock
        ? { mood: 'bearish', strength: 1, direction: -1, shock }
        : { mood: 'bearish', strength, direction: -1 };
    return { mood: 'neutral', strength, direction: 0 };
  }
}
