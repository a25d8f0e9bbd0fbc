/**
 * What the routes ask: the merged series of a symbol, its known-ness, the speed view's retention.
 * Wires the horizon, the gold reader, the speed reader and the pure merge together; each route
 * turns the answer into its response schema.
 */

import type { SentimentMinuteRow } from '../schemas/rows.js';
import { normalizeSymbol } from '../schemas/symbol.js';
import { MINUTE_MS } from '../schemas/time.js';
import { UnknownSymbolError } from './errors.js';
import type { GoldReader } from './gold/gold-reader.js';
import type { Horizon, HorizonReader } from './gold/horizon.js';
import type { MinuteFigures } from './merge/bucket-aggregate.js';
import {
  goldReadRange,
  type MergedSeries,
  type MergeInput,
  mergeSeries,
  speedReadRange,
} from './merge/merge.js';
import type { SpeedReader } from './speed/speed-reader.js';

export interface ServingViewsOptions {
  horizon: HorizonReader;
  gold: GoldReader;
  speed: SpeedReader;
  speedViewTtlMs: number;
  trackedSymbols: readonly string[];
  now?: () => number;
}

export interface SeriesAnswer extends MergedSeries {
  horizon: Horizon | undefined;
  /** The boundary the merge used (the horizon's coveredUntil), epoch ms. */
  boundary: number | null;
}

/** The inputs of one merge (merge/merge.ts), with the horizon they were cut at. */
export interface SeriesInputs extends MergeInput {
  horizon: Horizon | undefined;
  gold: readonly MinuteFigures[];
  speed: readonly SentimentMinuteRow[];
}

/** Gold rows of a merge that needs none: one shared array, so answers built on it compare equal. */
const NO_ROWS: readonly MinuteFigures[] = Object.freeze([]);

export class ServingViews {
  readonly now: () => number;
  private readonly tracked: ReadonlySet<string>;

  constructor(readonly options: ServingViewsOptions) {
    this.now = options.now ?? Date.now;
    this.tracked = new Set(options.trackedSymbols);
  }

  get horizon(): HorizonReader {
    return this.options.horizon;
  }

  get gold(): GoldReader {
    return this.options.gold;
  }

  get speed(): SpeedReader {
    return this.options.speed;
  }

  /** From here on the speed view still holds every row: rows expire SPEED_VIEW_TTL after they are written. */
  speedFrom(): number {
    return Math.ceil((this.now() - this.options.speedViewTtlMs) / MINUTE_MS) * MINUTE_MS;
  }

  /** Tracked symbols and those the latest run has statistics for, sorted. */
  async symbols(): Promise<string[]> {
    const horizon = await this.horizon.current();
    const inGold = horizon ? (await this.gold.allTimeStatistics(horizon.runId)).map((r) => r.symbol) : [];
    return [...new Set([...this.tracked, ...inGold])].sort();
  }

  /** Whether a symbol is tracked or known to gold (an upper-case symbol). */
  async isKnown(symbol: string): Promise<boolean> {
    if (this.tracked.has(symbol)) return true;
    return (await this.symbols()).includes(symbol);
  }

  /** The symbol of a path, upper case, or a 404 when it is neither tracked nor in gold. */
  async requireSymbol(raw: string): Promise<string> {
    const symbol = normalizeSymbol(raw);
    if (!(await this.isKnown(symbol))) throw new UnknownSymbolError(symbol);
    return symbol;
  }

  /**
   * What the merge of `symbol` over the aligned grid [from, to) needs: the horizon, the gold rows
   * before it and the speed rows after it. Rows are the readers' and shared: not to be modified.
   */
  async seriesInputs(symbol: string, intervalMs: number, from: number, to: number): Promise<SeriesInputs> {
    const horizon = await this.horizon.current();
    const boundary = horizon?.coveredUntil ?? null;
    const speedFrom = this.speedFrom();
    const g = goldReadRange({ from, to, boundary });
    const s = speedReadRange({ intervalMs, from, to, boundary, speedFrom });
    const [gold, speed] = await Promise.all([
      horizon && g.to > g.from
        ? this.gold.sentimentBuckets(horizon.runId, symbol, intervalMs, g.from, g.to)
        : Promise.resolve(NO_ROWS),
      this.speed.minutes(symbol, s.from, s.to),
    ]);
    return { horizon, boundary, intervalMs, from, to, speedFrom, gold, speed };
  }

  /** The merged series of `symbol` over the aligned grid [from, to). */
  async series(symbol: string, intervalMs: number, from: number, to: number): Promise<SeriesAnswer> {
    return mergeInputs(await this.seriesInputs(symbol, intervalMs, from, to));
  }
}

/** The merge of what `seriesInputs` read. */
export function mergeInputs(inputs: SeriesInputs): SeriesAnswer {
  return { horizon: inputs.horizon, boundary: inputs.boundary, ...mergeSeries(inputs) };
}
