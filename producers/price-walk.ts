/**
 * Synthetic price ticks: each symbol follows a geometric random walk (log-normal steps) whose drift
 * can be pushed by the symbol's sentiment regime, the same RegimeSchedule the tweet generator
 * reads. Symbols take turns; a tick covers the time since the symbol's previous tick, opening at
 * the previous close, with high and low taken over a few sub-steps so that
 * low <= open, close <= high always holds, after rounding to cents too.
 */
import type { PriceTick } from '../schemas/events.js';
import { EventTimeline, type EventTimelineOptions } from './event-timeline.js';
import { Random } from './random.js';
import { DEFAULT_REGIME_SEED, RegimeSchedule } from './regime-schedule.js';
import { DEFAULT_SYMBOLS, profileOf, type SymbolProfile } from './symbols.js';

export interface PriceWalkOptions {
  seed: number | string;
  symbols?: readonly string[];
  /** Drift per hour as a fraction (0.001 = +0.1 %/h), before the regime's push. Default 0. */
  driftPerHour?: number;
  /** Volatility per sqrt(hour) as a fraction, scaled per symbol (crypto more). Default 0.01. */
  volatilityPerHour?: number;
  /**
   * Drift per hour added in a bullish regime and subtracted in a bearish one (times the regime's
   * strength); 0 uncouples prices from sentiment. Default 0.03, which gives a per-period
   * correlation of about 0.4 between tweet mood and return (regime-coupling.test.ts).
   */
  regimeDriftPerHour?: number;
  /**
   * Drift per hour of a shock period, its direction's way; default 0.5 (about 4 % in five
   * minutes, enough for the default alert rules' 2 %).
   */
  shockDriftPerHour?: number;
  schedule?: RegimeSchedule;
  timeline: EventTimelineOptions;
}

interface SymbolState {
  profile: SymbolProfile;
  price: number;
  lastNominal: number | undefined;
}

const HOUR_MS = 3_600_000;
const SUB_STEPS = 4;
/** The smallest time a tick covers, so the first tick of a symbol still moves a little. */
const MIN_STEP_MS = 250;

const roundDown = (x: number) => Math.floor(x * 100) / 100;
const roundUp = (x: number) => Math.ceil(x * 100) / 100;
const round = (x: number) => Math.round(x * 100) / 100;

export class PriceWalk {
  private readonly random: Random;
  private readonly timeline: EventTimeline;
  private readonly schedule: RegimeSchedule;
  private readonly states: SymbolState[];
  private readonly drift: number;
  private readonly volatility: number;
  private readonly regimeDrift: number;
  private readonly shockDrift: number;
  private turn = 0;

  constructor(options: PriceWalkOptions) {
    const symbols = options.symbols ?? DEFAULT_SYMBOLS;
    if (symbols.length === 0) throw new Error('at least one symbol is needed');
    const root = new Random(`prices:${String(options.seed)}`);
    this.random = root.fork('walk');
    this.timeline = new EventTimeline(options.timeline, root.fork('time'));
    this.schedule = options.schedule ?? new RegimeSchedule({ seed: options.seed ?? DEFAULT_REGIME_SEED });
    this.drift = options.driftPerHour ?? 0;
    this.volatility = options.volatilityPerHour ?? 0.01;
    this.regimeDrift = options.regimeDriftPerHour ?? 0.03;
    this.shockDrift = options.shockDriftPerHour ?? 0.5;
    if (!Number.isFinite(this.shockDrift)) throw new Error('shock drift must be a finite number');
    if (!Number.isFinite(this.drift)) throw new Error('drift must be a finite number');
    if (!(this.volatility >= 0) || !Number.isFinite(this.volatility))
      throw new Error('volatility must be >= 0');
    if (!Number.isFinite(this.regimeDrift)) throw new Error('regime drift must be a finite number');
    this.states = symbols.map((s) => {
      const profile = profileOf(s);
      // Start within a few percent of the reference price so runs with different seeds differ.
      return {
        profile,
        price: profile.startPrice * Math.exp(0.03 * this.random.normal()),
        lastNominal: undefined,
      };
    });
  }

  peekNominal(): number {
    return this.timeline.peekNominal();
  }

  get startTime(): number {
    return this.timeline.start;
  }

  /** The current price of each symbol (for tests and the demo's log line). */
  prices(): Record<string, number> {
    return Object.fromEntries(this.states.map((s) => [s.profile.symbol, s.price]));
  }

  next(): PriceTick {
    const r = this.random;
    const stamp = this.timeline.next();
    const state = this.states[this.turn] as SymbolState;
    this.turn = (this.turn + 1) % this.states.length;

    // The walk advances on the producer's (monotone) clock; the tick is stamped with the jittered
    // or late event time, as a delayed report of a real trade would be.
    const elapsedMs = Math.max(
      MIN_STEP_MS,
      state.lastNominal === undefined ? MIN_STEP_MS : stamp.nominal - state.lastNominal,
    );
    state.lastNominal = stamp.nominal;
    const regime = this.schedule.at(state.profile.symbol, stamp.nominal);
    const sigma = this.volatility * state.profile.volatilityScale;
    const mu =
      this.drift + (regime.shock ? this.shockDrift : this.regimeDrift) * regime.direction * regime.strength;
    const h = elapsedMs / HOUR_MS / SUB_STEPS;
    const stepDrift = (mu - (sigma * sigma) / 2) * h;
    const stepSigma = sigma * Math.sqrt(h);

    const open = state.price;
    let high = open;
    let low = open;
    let price = open;
    for (let i = 0; i < SUB_STEPS; i++) {
      price *= Math.exp(stepDrift + stepSigma * r.normal());
      if (price > high) high = price;
      if (price < low) low = price;
    }
    // A cent is the floor: a walk that sinks towards zero stays quotable.
    price = Math.max(price, 0.01);
    state.price = price;

    const o = round(open);
    const c = round(price);
    const hi = Math.max(roundUp(high), o, c);
    const lo = Math.max(0, Math.min(roundDown(low), o, c));
    const moveInSigmas = stepSigma > 0 ? Math.abs(Math.log(price / open)) / (stepSigma * 2) : 0;
    // Volume is noisy and rises with the size of the move, as on a real tape.
    const volume = state.profile.typicalVolume * Math.exp(0.5 * r.normal()) * (1 + 0.5 * moveInSigmas);
    return {
      symbol: state.profile.symbol,
      trade_timestamp: stamp.eventTime,
      open_price: o,
      high_price: hi,
      low_price: lo,
      close_price: c,
      volume: state.profile.crypto ? Math.round(volume * 10_000) / 10_000 : Math.round(volume),
    };
  }
}
