/**
 * The join rule, in this one file.
 *
 * - Minute candles from a symbol's ticks (open = first tick by (trade_timestamp, offset), close =
 *   the last, high = max, low = min, volume summed, ticks counted), joined with the symbol's minute
 *   window on (symbol, minute) into a SentimentMinuteRow: a minute with ticks and no tweets has
 *   tweet_count 0; one with tweets and no ticks has tick_count 0 and no prices.
 * - As-of join of a mention with its symbol's latest tick at or before the tweet's event time and
 *   no older than the watermark delay (equal timestamps: the last by offset), giving
 *   price_at_tweet/price_tick_at, absent when there is none. The price is final once the tick
 *   side can no longer bring a tick at or before the tweet: when the stock-prices input's own
 *   watermark passes the tweet's time, or the task's watermark does (a tick below it is late and
 *   never joins, which releases mentions while that input is idle).
 */
import type { SentimentMinuteRow, TweetBySymbolRow } from '../schemas/rows.js';

/**
 * The columns of a `tweets_by_symbol` row that stage 2 owns: the row's key and its as-of price.
 * Stage 1 writes the tweet's own columns; carrying them here would only cost memory per pending row.
 */
export type PricedTweetRow = Pick<
  TweetBySymbolRow,
  'symbol' | 'day' | 'created_at' | 'id' | 'price_at_tweet' | 'price_tick_at' | 'late'
>;

import { IdColumn, splitId } from './id-column.js';
import type { TweetAggregate } from './windows.js';

/** A minute's OHLCV; the open/close tie-breakers make it independent of arrival order. */
export interface Candle {
  count: number;
  openTs: number;
  openOffset: number;
  open: number;
  closeTs: number;
  closeOffset: number;
  close: number;
  high: number;
  low: number;
  volume: number;
}

export interface CandleTick {
  tradeTimestamp: number;
  offset: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export function emptyCandle(): Candle {
  return {
    count: 0,
    openTs: 0,
    openOffset: 0,
    open: 0,
    closeTs: 0,
    closeOffset: 0,
    close: 0,
    high: 0,
    low: 0,
    volume: 0,
  };
}

export function copyCandle(c: Candle): Candle {
  return { ...c };
}

export function addTickToCandle(c: Candle, t: CandleTick): void {
  const first = c.count === 0;
  if (first || t.tradeTimestamp < c.openTs || (t.tradeTimestamp === c.openTs && t.offset < c.openOffset)) {
    c.openTs = t.tradeTimestamp;
    c.openOffset = t.offset;
    c.open = t.open;
  }
  if (first || t.tradeTimestamp > c.closeTs || (t.tradeTimestamp === c.closeTs && t.offset > c.closeOffset)) {
    c.closeTs = t.tradeTimestamp;
    c.closeOffset = t.offset;
    c.close = t.close;
  }
  if (first || t.high > c.high) c.high = t.high;
  if (first || t.low < c.low) c.low = t.low;
  c.volume += t.volume;
  c.count++;
}

/** The row of one (symbol, minute): its pane, its trailing five-minute sums and its candle. */
export function minuteRow(
  symbol: string,
  day: string,
  minute: number,
  tweets: TweetAggregate,
  trailing: TweetAggregate,
  candle: Candle,
  final: boolean,
  now: number,
): SentimentMinuteRow {
  const row: SentimentMinuteRow = {
    symbol,
    day,
    minute,
    tweet_count: tweets.count,
    positive_count: tweets.positive,
    neutral_count: tweets.neutral,
    negative_count: tweets.negative,
    compound_sum: tweets.compoundSum,
    tweet_count_5m: trailing.count,
    positive_count_5m: trailing.positive,
    neutral_count_5m: trailing.neutral,
    negative_count_5m: trailing.negative,
    compound_sum_5m: trailing.compoundSum,
    tick_count: candle.count,
    final,
    updated_at: now,
  };
  if (tweets.count > 0) {
    row.compound_min = tweets.compoundMin;
    row.compound_max = tweets.compoundMax;
  }
  if (trailing.count > 0) {
    row.compound_min_5m = trailing.compoundMin;
    row.compound_max_5m = trailing.compoundMax;
  }
  if (candle.count > 0) {
    row.open_price = candle.open;
    row.high_price = candle.high;
    row.low_price = candle.low;
    row.close_price = candle.close;
    row.volume = candle.volume;
  }
  return row;
}

/** A copy of a tweet row's key with the given as-of price, or none. */
export function withPrice(row: PricedTweetRow, price?: number, at?: number): PricedTweetRow {
  const copy: PricedTweetRow = {
    symbol: row.symbol,
    day: row.day,
    created_at: row.created_at,
    id: row.id,
  };
  if (row.late !== undefined) copy.late = row.late;
  if (price !== undefined && at !== undefined) {
    copy.price_at_tweet = price;
    copy.price_tick_at = at;
  }
  return copy;
}

/** A symbol's non-late ticks, sorted by (trade_timestamp, offset), as parallel arrays from `start`. */
interface TickSeries {
  ts: number[];
  offset: number[];
  close: number[];
  start: number;
}

export interface AsOfJoinState {
  series: { symbol: string; ts: number[]; offset: number[]; close: number[] }[];
  /**
   * rows waiting for their final price, ascending created_at, with the provisional price on them;
   * empty in a snapshot taken without them (see `takeAwaited`)
   */
  pending: PricedTweetRow[];
  /** Every row with created_at below this has had its final price (null: none yet). */
  releasedBelow?: number | null;
}

/**
 * Rows waiting for their final price: a binary min-heap on (created_at, arrival), since tweets come
 * out of order and a sorted array would shift on every insert. Ties leave in arrival order.
 *
 * Held as columns (typed arrays, symbols and days as indexes into small tables, ids as an
 * `IdColumn`), not as row objects: at 20,000 tweets/s some 3.5 million rows wait out the
 * two-minute horizon, and as objects every one of them was heap the garbage collector copied and
 * marked again and again. A row object is built again only when it leaves.
 */
class PendingRows {
  private length = 0;
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  /** The price and its tick's time; NaN: no price. */
  private prices = new Float64Array(1024);
  private tickAts = new Float64Array(1024);
  /** Index into `symbolNames` and `dayNames`; late as 0 (absent), 1 (false), 2 (true). */
  private symbols = new Int32Array(1024);
  private days = new Int32Array(1024);
  private lates = new Uint8Array(1024);
  private ids = new IdColumn(1024);
  private readonly symbolNames: string[] = [];
  private readonly symbolIndex = new Map<string, number>();
  private readonly dayNames: string[] = [];
  private readonly dayIndex = new Map<string, number>();
  private nextSeq = 0;

  size(): number {
    return this.length;
  }

  earliest(): number {
    return this.times[0] as number;
  }

  push(row: PricedTweetRow): void {
    if (this.length === this.times.length) this.grow();
    const numeric = splitId(row.id);
    const t = row.created_at;
    const seq = this.nextSeq++;
    let i = this.length++;
    const { times, seqs } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < t || (pt === t && (seqs[parent] as number) < seq)) break;
      this.move(parent, i);
      i = parent;
    }
    times[i] = t;
    seqs[i] = seq;
    this.prices[i] = row.price_at_tweet ?? Number.NaN;
    this.tickAts[i] = row.price_tick_at ?? Number.NaN;
    this.symbols[i] = indexOf(row.symbol, this.symbolNames, this.symbolIndex);
    this.days[i] = indexOf(row.day, this.dayNames, this.dayIndex);
    this.lates[i] = row.late === undefined ? 0 : row.late ? 2 : 1;
    this.ids.set(i, row.id, numeric);
  }

  pop(): PricedTweetRow {
    const top = this.rowAt(0);
    const n = --this.length;
    if (n === 0) {
      this.ids.clear(0);
      return top;
    }
    const { times, seqs } = this;
    const lt = times[n] as number;
    const ls = seqs[n] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      let ct = times[c] as number;
      let cs = seqs[c] as number;
      const r = c + 1;
      if (r < n) {
        const rt = times[r] as number;
        const rs = seqs[r] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          c = r;
          ct = rt;
          cs = rs;
        }
      }
      if (lt < ct || (lt === ct && ls < cs)) break;
      this.move(c, i);
      i = c;
    }
    this.move(n, i);
    this.ids.clear(n);
    return top;
  }

  /** The rows in the order they will leave. */
  inOrder(): PricedTweetRow[] {
    const order = Array.from({ length: this.length }, (_, i) => i);
    order.sort(
      (a, b) =>
        (this.times[a] as number) - (this.times[b] as number) ||
        (this.seqs[a] as number) - (this.seqs[b] as number),
    );
    return order.map((i) => this.rowAt(i));
  }

  private rowAt(i: number): PricedTweetRow {
    const row: PricedTweetRow = {
      symbol: this.symbolNames[this.symbols[i] as number] as string,
      day: this.dayNames[this.days[i] as number] as string,
      created_at: this.times[i] as number,
      id: this.ids.get(i),
    };
    const late = this.lates[i] as number;
    if (late !== 0) row.late = late === 2;
    const price = this.prices[i] as number;
    if (!Number.isNaN(price)) {
      row.price_at_tweet = price;
      row.price_tick_at = this.tickAts[i] as number;
    }
    return row;
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from] as number;
    this.seqs[to] = this.seqs[from] as number;
    this.prices[to] = this.prices[from] as number;
    this.tickAts[to] = this.tickAts[from] as number;
    this.symbols[to] = this.symbols[from] as number;
    this.days[to] = this.days[from] as number;
    this.lates[to] = this.lates[from] as number;
    this.ids.copy(this.ids, from, to);
  }

  private grow(): void {
    const n = this.times.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a as never);
      return b;
    };
    this.times = grown(this.times, (k) => new Float64Array(k));
    this.seqs = grown(this.seqs, (k) => new Float64Array(k));
    this.prices = grown(this.prices, (k) => new Float64Array(k));
    this.tickAts = grown(this.tickAts, (k) => new Float64Array(k));
    this.symbols = grown(this.symbols, (k) => new Int32Array(k));
    this.days = grown(this.days, (k) => new Int32Array(k));
    this.lates = grown(this.lates, (k) => new Uint8Array(k));
    this.ids.resize(n, this.length);
  }
}

/** The index of `name` in a table of names, added when new. */
function indexOf(name: string, names: string[], index: Map<string, number>): number {
  let i = index.get(name);
  if (i === undefined) {
    i = names.length;
    names.push(name);
    index.set(name, i);
  }
  return i;
}

/** Compacting the front of an array is worth it once this much of it is dead. */
const COMPACT_AT = 1024;

export class AsOfJoin {
  private readonly series = new Map<string, TickSeries>();
  private pending = new PendingRows();
  private ticks = 0;
  /** The highest threshold `release` was given: no row below it is pending. */
  private releasedBelow = Number.NEGATIVE_INFINITY;
  /** Rows awaited since the last `takeAwaited`, once tracking is on (undefined: off). */
  private awaited: PricedTweetRow[] | undefined;

  constructor(private readonly delayMs: number) {}

  /** A non-late tick joins the history. */
  addTick(symbol: string, tradeTimestamp: number, offset: number, close: number): void {
    let s = this.series.get(symbol);
    if (s === undefined) {
      s = { ts: [], offset: [], close: [], start: 0 };
      this.series.set(symbol, s);
    }
    let i = s.ts.length;
    // Ticks come mostly in order: search from the end.
    while (
      i > s.start &&
      ((s.ts[i - 1] as number) > tradeTimestamp ||
        ((s.ts[i - 1] as number) === tradeTimestamp && (s.offset[i - 1] as number) > offset))
    ) {
      i--;
    }
    if (i === s.ts.length) {
      s.ts.push(tradeTimestamp);
      s.offset.push(offset);
      s.close.push(close);
    } else {
      s.ts.splice(i, 0, tradeTimestamp);
      s.offset.splice(i, 0, offset);
      s.close.splice(i, 0, close);
    }
    this.ticks++;
  }

  /** Price found by the last successful `find`. */
  foundPrice = 0;
  /** trade_timestamp of the tick behind `foundPrice`. */
  foundAt = 0;

  /**
   * Looks up the as-of tick of `symbol` for time `t` among the ticks held now; when there is one,
   * leaves it in `foundPrice`/`foundAt` (no allocation on the hot path) and returns true.
   */
  find(symbol: string, t: number): boolean {
    const s = this.series.get(symbol);
    if (s === undefined) return false;
    const i = this.latestAtOrBefore(s, t);
    if (i < 0) return false;
    this.foundPrice = s.close[i] as number;
    this.foundAt = s.ts[i] as number;
    return true;
  }

  /** The row with the as-of price from the ticks held now; the same object when the price is unchanged. */
  priced(row: PricedTweetRow): PricedTweetRow {
    if (this.find(row.symbol, row.created_at)) {
      if (row.price_tick_at === this.foundAt && row.price_at_tweet === this.foundPrice) return row;
      return withPrice(row, this.foundPrice, this.foundAt);
    }
    return row.price_tick_at === undefined && row.price_at_tweet === undefined ? row : withPrice(row);
  }

  /** Holds a row (already emitted with its provisional price) until its final price is known. */
  await(row: PricedTweetRow): void {
    this.pending.push(row);
    this.awaited?.push(row);
  }

  /**
   * The rows awaited since the last call (the first call turns tracking on and returns none). An
   * incremental checkpoint stores these instead of every pending row: since thresholds only rise
   * and a row is awaited only at or above the current one, the rows pending at any moment are
   * exactly the rows ever awaited whose created_at is at or above `releasedBelow`.
   */
  takeAwaited(): PricedTweetRow[] {
    const rows = this.awaited ?? [];
    this.awaited = [];
    return rows;
  }

  /** Every row with created_at below this has had its final price. */
  releasedThreshold(): number {
    return this.releasedBelow;
  }

  /**
   * Final prices of the rows whose time is below `threshold` (the tick side's or the task's
   * watermark, whichever is further), in time order: `emit` gets a row again only when its price
   * changed.
   */
  release(threshold: number, emit: (row: PricedTweetRow) => void): void {
    if (threshold > this.releasedBelow) this.releasedBelow = threshold;
    while (this.pending.size() > 0 && this.pending.earliest() < threshold) {
      const row = this.pending.pop();
      const final = this.priced(row);
      if (final !== row) emit(final);
    }
  }

  /** Earliest time still waiting for its price; +Infinity when none. */
  earliestPending(): number {
    return this.pending.size() === 0 ? Number.POSITIVE_INFINITY : this.pending.earliest();
  }

  /**
   * Drops ticks no row can join any more: every row still to be priced has its time at or after
   * `earliest`, and a tick more than the delay before a row's time never joins it.
   */
  evict(earliest: number): void {
    const bound = earliest - this.delayMs;
    if (!(bound > Number.NEGATIVE_INFINITY)) return;
    for (const [symbol, s] of this.series) {
      const before = s.start;
      while (s.start < s.ts.length && (s.ts[s.start] as number) < bound) s.start++;
      this.ticks -= s.start - before;
      if (s.start === s.ts.length) {
        this.series.delete(symbol);
      } else if (s.start > COMPACT_AT && s.start * 2 > s.ts.length) {
        s.ts = s.ts.slice(s.start);
        s.offset = s.offset.slice(s.start);
        s.close = s.close.slice(s.start);
        s.start = 0;
      }
    }
  }

  pendingCount(): number {
    return this.pending.size();
  }

  bufferedTicks(): number {
    return this.ticks;
  }

  /** `withPending: false` leaves the pending rows out, for a checkpoint that keeps them itself. */
  snapshot(withPending = true): AsOfJoinState {
    const series: AsOfJoinState['series'] = [];
    for (const [symbol, s] of this.series) {
      series.push({
        symbol,
        ts: s.ts.slice(s.start),
        offset: s.offset.slice(s.start),
        close: s.close.slice(s.start),
      });
    }
    return {
      series,
      pending: withPending ? this.pending.inOrder().map((row) => ({ ...row })) : [],
      releasedBelow: Number.isFinite(this.releasedBelow) ? this.releasedBelow : null,
    };
  }

  /**
   * `awaited`: rows an incremental checkpoint kept beside a snapshot taken without its pending
   * rows, in the order they were awaited; those already released are left out here.
   */
  static restore(state: AsOfJoinState, delayMs: number, awaited: readonly PricedTweetRow[] = []): AsOfJoin {
    const j = new AsOfJoin(delayMs);
    for (const s of state.series) {
      j.series.set(s.symbol, { ts: [...s.ts], offset: [...s.offset], close: [...s.close], start: 0 });
      j.ticks += s.ts.length;
    }
    j.releasedBelow =
      typeof state.releasedBelow === 'number' ? state.releasedBelow : Number.NEGATIVE_INFINITY;
    for (const row of state.pending) j.pending.push({ ...row });
    for (const row of awaited) if (row.created_at >= j.releasedBelow) j.pending.push({ ...row });
    return j;
  }

  /** Index of the last tick at or before `t` and no older than the delay, or -1. */
  private latestAtOrBefore(s: TickSeries, t: number): number {
    // Binary search for the first index with ts > t; the one before it is the latest at or before t.
    let lo = s.start;
    let hi = s.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((s.ts[mid] as number) <= t) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i < s.start || (s.ts[i] as number) < t - this.delayMs) return -1;
    return i;
  }
}
