/**
 * Stage 2 of the speed layer: one task per partition N of the re-keying topic, fed the mentions
 * of internal partition N and the ticks of `stock-prices` partition N, so that all windows and
 * joins of a symbol live here (docs/ARCHITECTURE.md, Co-partitioning).
 *
 * Its watermark inputs are the upstream `tweets/<p>` partitions (their max event time travels on
 * every mention and on stage 1's watermark-only messages) and `stock-prices/<N>`. An event is late
 * when its time is below the watermark after its own input's max has been raised by it, so that
 * lateness does not depend on how stage 1 throttles its watermark messages.
 *
 * - A late mention is written to tweets_by_symbol without a price, counted, and joins nothing.
 * - A non-late mention is written at once with the provisional price (the latest tick held now),
 *   and again once its final price is known, only if that differs.
 * - A tick is written to market_data at once; a late one reaches neither candles nor the as-of
 *   history.
 * - Minute rows come out of `drain`: final ones once, changed open ones (final=false) as they change.
 * - Alert rules run over the final minutes (alerts/alert-evaluator.ts); openings and closings come
 *   out of `drain` beside the rows.
 *
 * Pure: no I/O, no clock; `now` is passed in. `snapshot` is plain JSON and includes the rows not
 * yet drained, so restoring it continues exactly where the snapshot was taken.
 */

import type { AlertRule } from '../schemas/alerts.js';
import {
  type SentimentMinuteRow,
  sentimentLabel,
  type TickRow,
  type TweetBySymbolRow,
} from '../schemas/rows.js';
import type { InternalRecord } from '../schemas/speed.js';
import { DAY_MS, MINUTE_MS, utcDay, windowStart } from '../schemas/time.js';
import { AlertEvaluator, type AlertEvaluatorState, type AlertTransition } from './alerts/alert-evaluator.js';
import {
  AsOfJoin,
  type AsOfJoinState,
  addTickToCandle,
  type Candle,
  copyCandle,
  emptyCandle,
  minuteRow,
  type PricedTweetRow,
} from './joins.js';
import { Watermarks, type WatermarksOptions, type WatermarksState } from './watermark.js';
import { MinuteWindows, type MinuteWindowsState, type Pane } from './windows.js';

/** What stage 2 needs of a (tweet, symbol) mention; stage 1 writes the tweet's own columns. */
export interface Mention {
  id: string;
  symbol: string;
  createdAt: number;
  compound: number;
  sourcePartition: number;
  sourceOffset: number;
  /** max event time of the source partition up to and including this tweet */
  sourceMaxEventTime: number;
  /** The tweet's own columns (absent in mentions of the earlier record form). */
  text?: string;
  userId?: string;
  pos?: number;
  neu?: number;
  neg?: number;
}

/**
 * A tweets_by_symbol row as the task emits it: the key, the as-of price and the lateness decision,
 * and on its first emission the tweet's own columns as well (a price update carries only the
 * price: Cassandra keeps the columns a write leaves out).
 */
export type EmittedTweetRow = PricedTweetRow &
  Partial<Pick<TweetBySymbolRow, 'text' | 'user_id' | 'compound' | 'pos' | 'neu' | 'neg' | 'label'>>;

export interface Tick {
  symbol: string;
  tradeTimestamp: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  offset: number;
}

export interface SymbolTaskOptions {
  delayMs: number;
  idleTimeoutMs: number;
  /** upstream `tweets` partitions */
  tweetSources: number[];
  /** the `stock-prices` partition (= the internal partition) this task reads */
  tickPartition: number;
  /** alert rules over the final minutes; none: no alerts */
  alertRules?: readonly AlertRule[];
}

export interface Drained {
  /** tweets_by_symbol rows: the key columns, the as-of price and the lateness decision */
  tweets: EmittedTweetRow[];
  ticks: TickRow[];
  minutes: SentimentMinuteRow[];
  /** alerts opened and closed since the last drain, in event-time order per symbol */
  alerts: AlertTransition[];
  /** late mentions since the last drain */
  late: number;
  /** late ticks since the last drain (written to market_data, kept out of candles and joins) */
  lateTicks: number;
  /** replayed mentions (dropped) and replayed ticks (rewritten to market_data only) since the last drain */
  replayed: number;
  watermark: number;
}

export interface SymbolTaskState {
  version: 1;
  watermarks: WatermarksState;
  windows: MinuteWindowsState<Candle>;
  join: AsOfJoinState;
  /** per source partition: highest source offset seen and the symbols seen at it */
  sources: [number, number, string[]][];
  highestTickOffset: number;
  /** absent in snapshots taken before alerts existed */
  alerts?: AlertEvaluatorState;
  out: Omit<Drained, 'watermark' | 'alerts'> & { alerts?: AlertTransition[] };
}

const TWEET_INPUT_PREFIX = 'tweets/';
const TICK_INPUT_PREFIX = 'stock-prices/';
export const tweetInput = (partition: number): string => `${TWEET_INPUT_PREFIX}${partition}`;
export const tickInput = (partition: number): string => `${TICK_INPUT_PREFIX}${partition}`;

interface SourceProgress {
  offset: number;
  /** symbols of the tweet at `offset` already seen (one tweet yields several mentions) */
  symbols: string[];
}

export class SymbolTask {
  private watermarks: Watermarks;
  private tickSlot: number;
  /** source partition → watermark slot */
  private readonly tweetSlots = new Map<number, number>();
  private readonly sources = new Map<number, SourceProgress>();
  private windows = new MinuteWindows<Candle>(emptyCandle);
  private join: AsOfJoin;
  private alerts: AlertEvaluator;
  private highestTickOffset = -1;
  private out: Omit<Drained, 'watermark'> = emptyOut();
  private lastDayNumber = Number.NaN;
  private lastDay = '';

  constructor(opts: SymbolTaskOptions) {
    this.watermarks = new Watermarks(watermarkOptions(opts));
    this.tickSlot = this.watermarks.indexOf(tickInput(opts.tickPartition));
    this.join = new AsOfJoin(opts.delayMs);
    this.alerts = new AlertEvaluator(opts.alertRules ?? []);
  }

  /** A record of the internal topic: a mention, or a tweets partition's progress or idle marker. */
  onInternalRecord(r: InternalRecord, now: number): void {
    switch (r.kind) {
      case 'mention':
        this.onMention(r, now);
        break;
      case 'progress':
        this.onUpstreamWatermark(r.sourcePartition, r.maxEventTime, now);
        break;
      case 'idle':
        this.onUpstreamIdle(r.sourcePartition, now);
        break;
    }
  }

  onMention(m: Mention, now: number): void {
    this.watermarks.observeAt(
      this.tweetSlot(m.sourcePartition),
      Math.max(m.sourceMaxEventTime, m.createdAt),
      now,
    );
    if (this.isReplay(m)) {
      this.out.replayed++;
      return;
    }
    const watermark = this.watermarks.current(now);
    // Late against the tweets' own watermark (a function of the internal log alone, so a replay
    // decides the same), or for a window already final (possible only while every source is idle).
    if (
      m.createdAt < this.watermarks.currentOf(TWEET_INPUT_PREFIX, now) ||
      windowStart(m.createdAt, MINUTE_MS) + MINUTE_MS <= watermark
    ) {
      this.out.late++;
      this.out.tweets.push(this.tweetRow(m, true));
      return;
    }
    const row = this.tweetRow(m, false);
    // `+ 0` turns -0 into 0: JSON has no -0, and a restored snapshot must sum the same.
    this.windows.addTweet(m.symbol, m.createdAt, m.compound + 0);
    if (this.join.find(m.symbol, m.createdAt)) {
      row.price_at_tweet = this.join.foundPrice;
      row.price_tick_at = this.join.foundAt;
    }
    this.out.tweets.push(row);
    // The pending copy holds only the key and the price (the join keeps them as columns):
    // hundreds of thousands of them wait.
    if (!(m.createdAt < this.priceThreshold(watermark))) this.join.await(row);
  }

  onUpstreamWatermark(sourcePartition: number, maxEventTime: number, now: number): void {
    this.watermarks.observeAt(this.tweetSlot(sourcePartition), maxEventTime, now);
  }

  /** Stage 1's in-band marker: the source partition has no data; it stops holding the watermark. */
  onUpstreamIdle(sourcePartition: number, now: number): void {
    this.tweetSlot(sourcePartition);
    this.watermarks.markIdle(tweetInput(sourcePartition), now);
  }

  /**
   * The tick partition has ticks not yet read (its consumer is behind): it is not idle, however
   * long since its last tick, so it keeps holding the watermark — a partition merely read behind
   * must not let windows close without its ticks.
   */
  onTickInputBehind(now: number): void {
    this.watermarks.observeAt(this.tickSlot, Number.NEGATIVE_INFINITY, now);
  }

  onTick(t: Tick, now: number): void {
    this.watermarks.observeAt(this.tickSlot, t.tradeTimestamp, now);
    this.out.ticks.push({
      symbol: t.symbol,
      day: this.dayOf(t.tradeTimestamp),
      trade_timestamp: t.tradeTimestamp,
      open_price: t.open,
      high_price: t.high,
      low_price: t.low,
      close_price: t.close,
      volume: t.volume,
    });
    // One partition's offsets only grow; a smaller one is stage-2 input read again after a restart.
    if (t.offset <= this.highestTickOffset) {
      this.out.replayed++;
      return;
    }
    this.highestTickOffset = t.offset;
    if (
      t.tradeTimestamp < this.watermarks.currentOf(TICK_INPUT_PREFIX, now) ||
      windowStart(t.tradeTimestamp, MINUTE_MS) + MINUTE_MS <= this.watermarks.current(now)
    ) {
      this.out.lateTicks++;
      return;
    }
    const pane = this.windows.pane(t.symbol, t.tradeTimestamp);
    addTickToCandle(pane.extra, t);
    this.windows.markChanged(pane);
    this.join.addTick(t.symbol, t.tradeTimestamp, t.offset, t.close);
  }

  /** Everything that became ready since the last call. */
  drain(now: number): Drained {
    const watermark = this.watermarks.current(now);
    const tweets = this.out.tweets;
    this.join.release(this.priceThreshold(watermark), (row) => tweets.push(row));
    const minutes = this.out.minutes;
    const windows = this.windows;
    const alerts = this.alerts;
    windows.advance(watermark, (pane: Pane<Candle>, final: boolean) => {
      if (final)
        alerts.onFinalMinute(pane.symbol, {
          minute: pane.minute,
          tweets: pane.tweets.count,
          compoundSum: pane.tweets.compoundSum,
          ticks: pane.extra.count,
          open: pane.extra.open,
          close: pane.extra.close,
        });
      minutes.push(
        minuteRow(
          pane.symbol,
          this.dayOf(pane.minute),
          pane.minute,
          pane.tweets,
          windows.trailing(pane),
          pane.extra,
          final,
          now,
        ),
      );
    });
    const transitions = this.out.alerts;
    alerts.advance(watermark, now, (t) => transitions.push(t));
    this.join.evict(Math.min(watermark, this.join.earliestPending()));
    const drained: Drained = { ...this.out, watermark };
    this.out = emptyOut();
    return drained;
  }

  /** The task's watermark now, without draining. */
  watermark(now: number): number {
    return this.watermarks.current(now);
  }

  /** Per watermark input, for metrics. */
  inputs(now?: number): ReturnType<Watermarks['inputs']> {
    return this.watermarks.inputs(now);
  }

  stats(): { openWindows: number; heldPanes: number; pendingMentions: number; bufferedTicks: number } {
    return {
      openWindows: this.windows.openWindows(),
      heldPanes: this.windows.heldPanes(),
      pendingMentions: this.join.pendingCount(),
      bufferedTicks: this.join.bufferedTicks(),
    };
  }

  /**
   * `withPending: false` leaves out the rows awaiting their final price: a checkpoint that stores
   * them incrementally (`takeAwaited`) passes them back to `restore`.
   */
  snapshot(withPending = true): SymbolTaskState {
    return {
      version: 1,
      watermarks: this.watermarks.snapshot(),
      windows: this.windows.snapshot(copyCandle),
      join: this.join.snapshot(withPending),
      sources: [...this.sources].map(([p, s]) => [p, s.offset, [...s.symbols]]),
      highestTickOffset: this.highestTickOffset,
      alerts: this.alerts.snapshot(),
      out: {
        tweets: this.out.tweets.map((r) => ({ ...r })),
        ticks: this.out.ticks.map((r) => ({ ...r })),
        minutes: this.out.minutes.map((r) => ({ ...r })),
        alerts: this.out.alerts.map((t) => ({ event: t.event, row: { ...t.row } })),
        late: this.out.late,
        lateTicks: this.out.lateTicks,
        replayed: this.out.replayed,
      },
    };
  }

  /** Rows awaiting their final price since the last call (the first call starts tracking them). */
  takeAwaited(): PricedTweetRow[] {
    return this.join.takeAwaited();
  }

  /** Rows with created_at below this have their final price: older awaited rows are not needed. */
  releasedThreshold(): number {
    return this.join.releasedThreshold();
  }

  static restore(
    state: SymbolTaskState,
    opts: SymbolTaskOptions,
    awaited: readonly PricedTweetRow[] = [],
  ): SymbolTask {
    if (state.version !== 1) throw new Error(`SymbolTask: unknown snapshot version ${String(state.version)}`);
    const task = new SymbolTask(opts);
    task.watermarks = Watermarks.restore(state.watermarks, watermarkOptions(opts));
    task.tickSlot = task.watermarks.indexOf(tickInput(opts.tickPartition));
    task.tweetSlots.clear();
    task.windows = MinuteWindows.restore(state.windows, emptyCandle, copyCandle);
    task.join = AsOfJoin.restore(state.join, opts.delayMs, awaited);
    for (const [p, offset, symbols] of state.sources) task.sources.set(p, { offset, symbols: [...symbols] });
    task.highestTickOffset = state.highestTickOffset;
    if (state.alerts) task.alerts = AlertEvaluator.restore(state.alerts, opts.alertRules ?? []);
    task.out = {
      tweets: state.out.tweets.map((r) => ({ ...r })),
      ticks: state.out.ticks.map((r) => ({ ...r })),
      minutes: state.out.minutes.map((r) => ({ ...r })),
      alerts: (state.out.alerts ?? []).map((t) => ({ event: t.event, row: { ...t.row } })),
      late: state.out.late,
      lateTicks: state.out.lateTicks,
      replayed: state.out.replayed,
    };
    return task;
  }

  /** Prices are final below the tick side's own watermark, or below the task's (a tick there is late). */
  private priceThreshold(watermark: number): number {
    const tickSide = this.watermarks.inputWatermarkAt(this.tickSlot);
    return tickSide > watermark ? tickSide : watermark;
  }

  /** A replay is a (source partition, source offset) at or before the highest seen, symbol included. */
  private isReplay(m: Mention): boolean {
    const progress = this.sources.get(m.sourcePartition);
    if (progress === undefined) {
      this.sources.set(m.sourcePartition, { offset: m.sourceOffset, symbols: [m.symbol] });
      return false;
    }
    if (m.sourceOffset > progress.offset) {
      progress.offset = m.sourceOffset;
      progress.symbols.length = 0;
      progress.symbols.push(m.symbol);
      return false;
    }
    if (m.sourceOffset < progress.offset || progress.symbols.includes(m.symbol)) return true;
    progress.symbols.push(m.symbol);
    return false;
  }

  private tweetSlot(partition: number): number {
    let slot = this.tweetSlots.get(partition);
    if (slot === undefined) {
      slot = this.watermarks.indexOf(tweetInput(partition));
      this.tweetSlots.set(partition, slot);
    }
    return slot;
  }

  /** The mention's row as first emitted: the key, the lateness, and the tweet's own columns when it carries them. */
  private tweetRow(m: Mention, late: boolean): EmittedTweetRow {
    const day = this.dayOf(m.createdAt);
    if (m.text === undefined) return { symbol: m.symbol, day, created_at: m.createdAt, id: m.id, late };
    return {
      symbol: m.symbol,
      day,
      created_at: m.createdAt,
      id: m.id,
      late,
      text: m.text,
      user_id: m.userId ?? '',
      compound: m.compound + 0,
      pos: m.pos ?? 0,
      neu: m.neu ?? 0,
      neg: m.neg ?? 0,
      label: sentimentLabel(m.compound),
    };
  }

  /** utcDay with a one-entry cache: consecutive events are almost always on the same day. */
  private dayOf(t: number): string {
    const n = Math.floor(t / DAY_MS);
    if (n !== this.lastDayNumber) {
      this.lastDayNumber = n;
      this.lastDay = utcDay(t);
    }
    return this.lastDay;
  }
}

function watermarkOptions(opts: SymbolTaskOptions): WatermarksOptions {
  return {
    delayMs: opts.delayMs,
    idleTimeoutMs: opts.idleTimeoutMs,
    inputs: [...opts.tweetSources.map(tweetInput), tickInput(opts.tickPartition)],
    // Stage 1 says when a tweets partition has no data; only the task's own tick input is timed.
    markerInputPrefixes: [TWEET_INPUT_PREFIX],
  };
}

function emptyOut(): Omit<Drained, 'watermark'> {
  return { tweets: [], ticks: [], minutes: [], alerts: [], late: 0, lateTicks: 0, replayed: 0 };
}
