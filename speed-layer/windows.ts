/**
 * The window rule, in this one file: one-minute tumbling event-time panes per symbol,
 * `[m, m + 60 000)` (an event at 12:01:00.000 belongs to [12:01, 12:02)), and the trailing
 * five-minute window of minute m, panes m−4..m, carried on minute m's row.
 *
 * Update mode (Kafka Streams' KStreamWindowAggregate emits on every update; we coalesce between
 * two `advance` calls): a pane changed since the last `advance` is reported with final=false, and so
 * are the open panes of the next four minutes whose five-minute sums it feeds. A pane becomes final
 * exactly once, when the watermark reaches its end (end <= watermark); nothing non-late can reach
 * it afterwards, since a non-late event is at or after the watermark. A final pane is kept only
 * until the pane four minutes later is final (its five-minute sum needs it), then freed, so the
 * state is bounded by the watermark's lag, not by the stream's length.
 *
 * The caller decides lateness (events below the watermark must not be added): this file only
 * knows panes.
 */
import { sentimentLabel } from '../schemas/rows.js';
import { MINUTE_MS, windowStart } from '../schemas/time.js';

export const WINDOW_MS = MINUTE_MS;
/** Panes in the trailing window carried on each minute's row. */
export const TRAILING_PANES = 5;

/** Tweet aggregates of a pane or of a trailing window. `compoundMin/Max` mean nothing while count is 0. */
export interface TweetAggregate {
  count: number;
  positive: number;
  neutral: number;
  negative: number;
  compoundSum: number;
  compoundMin: number;
  compoundMax: number;
}

export function emptyTweetAggregate(): TweetAggregate {
  return { count: 0, positive: 0, neutral: 0, negative: 0, compoundSum: 0, compoundMin: 0, compoundMax: 0 };
}

export function addTweet(a: TweetAggregate, compound: number): void {
  const label = sentimentLabel(compound);
  if (label === 'positive') a.positive++;
  else if (label === 'negative') a.negative++;
  else a.neutral++;
  if (a.count === 0 || compound < a.compoundMin) a.compoundMin = compound;
  if (a.count === 0 || compound > a.compoundMax) a.compoundMax = compound;
  a.count++;
  a.compoundSum += compound;
}

/** Adds `b` into `into`. */
export function mergeTweetAggregate(into: TweetAggregate, b: TweetAggregate): void {
  if (b.count === 0) return;
  if (into.count === 0 || b.compoundMin < into.compoundMin) into.compoundMin = b.compoundMin;
  if (into.count === 0 || b.compoundMax > into.compoundMax) into.compoundMax = b.compoundMax;
  into.count += b.count;
  into.positive += b.positive;
  into.neutral += b.neutral;
  into.negative += b.negative;
  into.compoundSum += b.compoundSum;
}

/** A symbol's minute pane; `extra` is what the caller joins on the same key (the minute's candle). */
export interface Pane<X> {
  symbol: string;
  minute: number;
  tweets: TweetAggregate;
  extra: X;
  final: boolean;
  /** Changed since the last advance: 0 no, 1 its row only, 2 its tweets (later rows' sums too). */
  changed: 0 | 1 | 2;
}

export type PaneState<X> = Omit<Pane<X>, 'changed'>;

export interface MinuteWindowsState<X> {
  /** every pane held, final ones included */
  panes: PaneState<X>[];
  /** changed since the last advance, in order of first change: [symbol, minute, tweets changed] */
  changed: [string, number, boolean][];
}

export class MinuteWindows<X> {
  private readonly bySymbol = new Map<string, Map<number, Pane<X>>>();
  private readonly byMinute = new Map<number, Pane<X>[]>();
  /** keys of byMinute, ascending */
  private readonly minutes: number[] = [];
  /** panes changed since the last advance, in order of first change, each once */
  private changed: Pane<X>[] = [];
  private open = 0;

  constructor(private readonly newExtra: () => X) {}

  /** The open pane holding event time `eventTime` for `symbol`, created when missing. */
  pane(symbol: string, eventTime: number): Pane<X> {
    const minute = windowStart(eventTime, WINDOW_MS);
    let panes = this.bySymbol.get(symbol);
    if (panes === undefined) {
      panes = new Map();
      this.bySymbol.set(symbol, panes);
    }
    let pane = panes.get(minute);
    if (pane === undefined) {
      pane = {
        symbol,
        minute,
        tweets: emptyTweetAggregate(),
        extra: this.newExtra(),
        final: false,
        changed: 0,
      };
      this.insert(panes, pane);
    } else if (pane.final) {
      throw new Error(`MinuteWindows: ${symbol} at ${eventTime} is late for its final pane`);
    }
    return pane;
  }

  /** Adds a non-late tweet's compound score to its pane. */
  addTweet(symbol: string, eventTime: number, compound: number): Pane<X> {
    const pane = this.pane(symbol, eventTime);
    addTweet(pane.tweets, compound);
    this.markChanged(pane, true);
    return pane;
  }

  /** Records that the caller changed `pane.extra` (its row changes; later rows' trailing sums do not). */
  markChanged(pane: Pane<X>, tweets = false): void {
    if (pane.changed === 0) this.changed.push(pane);
    if (tweets) pane.changed = 2;
    else if (pane.changed === 0) pane.changed = 1;
  }

  /** The trailing five-minute aggregate of `pane`'s minute: its own and the four before it. */
  trailing(pane: Pane<X>): TweetAggregate {
    const sum = emptyTweetAggregate();
    const panes = this.bySymbol.get(pane.symbol);
    if (panes === undefined) return sum;
    for (let k = 0; k < TRAILING_PANES; k++) {
      const p = panes.get(pane.minute - k * WINDOW_MS);
      if (p !== undefined) mergeTweetAggregate(sum, p.tweets);
    }
    return sum;
  }

  /**
   * Reports what `watermark` made final (ascending minute, each pane once ever) and then the open
   * panes whose rows changed since the last call (final=false); then frees the panes no row needs.
   */
  advance(watermark: number, emit: (pane: Pane<X>, final: boolean) => void): void {
    for (const minute of this.minutes) {
      if (minute + WINDOW_MS > watermark) break;
      for (const pane of this.byMinute.get(minute) as Pane<X>[]) {
        if (pane.final) continue;
        pane.final = true;
        this.open--;
        emit(pane, true);
      }
    }

    const changed = this.changed;
    this.changed = [];
    const reported = new Set<Pane<X>>();
    for (const pane of changed) {
      const tweets = pane.changed === 2;
      pane.changed = 0;
      if (!pane.final && !reported.has(pane)) {
        reported.add(pane);
        emit(pane, false);
      }
      if (!tweets) continue;
      const panes = this.bySymbol.get(pane.symbol) as Map<number, Pane<X>>;
      for (let k = 1; k < TRAILING_PANES; k++) {
        const later = panes.get(pane.minute + k * WINDOW_MS);
        if (later !== undefined && !later.final && !reported.has(later)) {
          reported.add(later);
          emit(later, false);
        }
      }
    }

    // Pane m is needed by the rows of m..m+4; the last of them is final once the watermark reaches m+5.
    while (this.minutes.length > 0) {
      const minute = this.minutes[0] as number;
      if (minute + TRAILING_PANES * WINDOW_MS > watermark) break;
      for (const pane of this.byMinute.get(minute) as Pane<X>[]) {
        const panes = this.bySymbol.get(pane.symbol) as Map<number, Pane<X>>;
        panes.delete(minute);
        if (panes.size === 0) this.bySymbol.delete(pane.symbol);
      }
      this.byMinute.delete(minute);
      this.minutes.shift();
    }
  }

  /** Panes not yet final. */
  openWindows(): number {
    return this.open;
  }

  /** Panes held, final ones kept for the trailing sums included. */
  heldPanes(): number {
    let n = 0;
    for (const panes of this.byMinute.values()) n += panes.length;
    return n;
  }

  snapshot(copyExtra: (x: X) => X): MinuteWindowsState<X> {
    const panes: PaneState<X>[] = [];
    for (const minute of this.minutes) {
      for (const p of this.byMinute.get(minute) as Pane<X>[]) {
        panes.push({
          symbol: p.symbol,
          minute: p.minute,
          tweets: { ...p.tweets },
          extra: copyExtra(p.extra),
          final: p.final,
        });
      }
    }
    return {
      panes,
      changed: this.changed.map((pane) => [pane.symbol, pane.minute, pane.changed === 2]),
    };
  }

  static restore<X>(
    state: MinuteWindowsState<X>,
    newExtra: () => X,
    copyExtra: (x: X) => X,
  ): MinuteWindows<X> {
    const w = new MinuteWindows<X>(newExtra);
    for (const s of state.panes) {
      let panes = w.bySymbol.get(s.symbol);
      if (panes === undefined) {
        panes = new Map();
        w.bySymbol.set(s.symbol, panes);
      }
      const pane: Pane<X> = {
        symbol: s.symbol,
        minute: s.minute,
        tweets: { ...s.tweets },
        extra: copyExtra(s.extra),
        final: s.final,
        changed: 0,
      };
      w.insert(panes, pane);
      if (pane.final) w.open--;
    }
    for (const [symbol, minute, tweets] of state.changed) {
      const pane = w.bySymbol.get(symbol)?.get(minute);
      if (pane !== undefined) w.markChanged(pane, tweets);
    }
    return w;
  }

  private insert(panes: Map<number, Pane<X>>, pane: Pane<X>): void {
    panes.set(pane.minute, pane);
    this.open++;
    let sameMinute = this.byMinute.get(pane.minute);
    if (sameMinute === undefined) {
      sameMinute = [];
      this.byMinute.set(pane.minute, sameMinute);
      // New minutes arrive mostly in order: search from the end.
      let i = this.minutes.length;
      while (i > 0 && (this.minutes[i - 1] as number) > pane.minute) i--;
      this.minutes.splice(i, 0, pane.minute);
    }
    sameMinute.push(pane);
  }
}
