/**
 * Trades into one-second OHLCV ticks per symbol, in event time (the trade's own time).
 *
 * When a second is closed (its tick emitted), per symbol:
 * - by event time: once a trade of that symbol at or after the second's end plus `graceMs` has
 *   arrived (so trades up to `graceMs` out of order still land in their second);
 * - by idleness: once no trade of that symbol has arrived for `idleFlushMs` of processing time
 *   (a quiet symbol's last second would otherwise wait for its next trade);
 * - on shutdown: `flushAll` closes every open second.
 * A trade for a second already closed is late: it is refused (counted, written to the reject file)
 * rather than publishing a second tick for the same second.
 *
 * Within a second, open is the price of the earliest trade time and close of the latest (ties keep
 * arrival order), so out-of-order arrival does not change a tick.
 */
import type { PriceTick } from '../../schemas/events.js';
import type { Rejection } from '../../schemas/rejection.js';
import type { Trade } from './trade-validation.js';

interface Bucket {
  startMs: number;
  open: number;
  openTimeMs: number;
  high: number;
  low: number;
  close: number;
  closeTimeMs: number;
  volume: number;
  trades: number;
}

interface SymbolState {
  buckets: Map<number, Bucket>;
  /** Trades before this time belong to closed seconds. */
  closedBeforeMs: number;
  lastTradeAt: number;
}

export interface AggregatorOptions {
  graceMs: number;
  idleFlushMs: number;
  /** Count trades per minute for `takeMinuteTrades` (Binance `--klines`). */
  countMinutes?: boolean;
}

export type AddResult = { ticks: PriceTick[]; late?: undefined } | { ticks: PriceTick[]; late: Rejection };

const SECOND_MS = 1000;

/** Sums of decimal quantities pick up binary noise (0.1 + 0.2); 15 significant digits drop it. */
const tidy = (x: number): number => Number(x.toPrecision(15));

function tickOf(symbol: string, b: Bucket): PriceTick {
  return {
    symbol,
    trade_timestamp: b.startMs,
    open_price: b.open,
    high_price: b.high,
    low_price: b.low,
    close_price: b.close,
    volume: tidy(b.volume),
  };
}

export class TradeAggregator {
  private readonly symbols = new Map<string, SymbolState>();
  /** Trades per symbol and minute start, kept only for a comparison with the service's candles. */
  private readonly minuteTrades = new Map<string, Map<number, number>>();

  constructor(private readonly options: AggregatorOptions) {}

  add(trade: Trade, nowMs: number): AddResult {
    let state = this.symbols.get(trade.symbol);
    if (!state) {
      state = { buckets: new Map(), closedBeforeMs: Number.NEGATIVE_INFINITY, lastTradeAt: nowMs };
      this.symbols.set(trade.symbol, state);
    }
    state.lastTradeAt = nowMs;
    if (trade.timeMs < state.closedBeforeMs) {
      return {
        ticks: [],
        late: {
          field: 'time',
          reason: `late: the tick of ${new Date(Math.floor(trade.timeMs / SECOND_MS) * SECOND_MS).toISOString()} was already published`,
        },
      };
    }
    const startMs = Math.floor(trade.timeMs / SECOND_MS) * SECOND_MS;
    const bucket = state.buckets.get(startMs);
    if (!bucket) {
      state.buckets.set(startMs, {
        startMs,
        open: trade.price,
        openTimeMs: trade.timeMs,
        high: trade.price,
        low: trade.price,
        close: trade.price,
        closeTimeMs: trade.timeMs,
        volume: trade.volume,
        trades: 1,
      });
    } else {
      if (trade.timeMs < bucket.openTimeMs) {
        bucket.open = trade.price;
        bucket.openTimeMs = trade.timeMs;
      }
      if (trade.timeMs >= bucket.closeTimeMs) {
        bucket.close = trade.price;
        bucket.closeTimeMs = trade.timeMs;
      }
      if (trade.price > bucket.high) bucket.high = trade.price;
      if (trade.price < bucket.low) bucket.low = trade.price;
      bucket.volume += trade.volume;
      bucket.trades++;
    }
    if (this.options.countMinutes) {
      const minutes = this.minuteTrades.get(trade.symbol) ?? new Map<number, number>();
      this.minuteTrades.set(trade.symbol, minutes);
      const minute = Math.floor(trade.timeMs / 60_000) * 60_000;
      minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
    }
    const watermark = Math.floor((trade.timeMs - this.options.graceMs) / SECOND_MS) * SECOND_MS;
    if (watermark <= state.closedBeforeMs) return { ticks: [] };
    state.closedBeforeMs = watermark;
    return { ticks: this.closeBefore(trade.symbol, state, watermark) };
  }

  /** Closes the open seconds of every symbol without a trade for `idleFlushMs`. */
  flushIdle(nowMs: number): PriceTick[] {
    const ticks: PriceTick[] = [];
    for (const [symbol, state] of this.symbols) {
      if (state.buckets.size === 0 || nowMs - state.lastTradeAt < this.options.idleFlushMs) continue;
      ticks.push(...this.closeAllOf(symbol, state));
    }
    return ticks;
  }

  /** Closes every open second (shutdown). */
  flushAll(): PriceTick[] {
    const ticks: PriceTick[] = [];
    for (const [symbol, state] of this.symbols) ticks.push(...this.closeAllOf(symbol, state));
    return ticks;
  }

  openSeconds(): number {
    let n = 0;
    for (const state of this.symbols.values()) n += state.buckets.size;
    return n;
  }

  /**
   * Trades aggregated for `symbol` in the minute starting at `startMs` (with `countMinutes`). That
   * minute and the ones before it are then forgotten: a service closes its candles in order.
   */
  takeMinuteTrades(symbol: string, startMs: number): number {
    const minutes = this.minuteTrades.get(symbol);
    const n = minutes?.get(startMs) ?? 0;
    for (const minute of minutes?.keys() ?? []) if (minute <= startMs) minutes?.delete(minute);
    return n;
  }

  private closeBefore(symbol: string, state: SymbolState, beforeMs: number): PriceTick[] {
    const closing = [...state.buckets.values()].filter((b) => b.startMs + SECOND_MS <= beforeMs);
    closing.sort((a, b) => a.startMs - b.startMs);
    for (const b of closing) state.buckets.delete(b.startMs);
    return closing.map((b) => tickOf(symbol, b));
  }

  private closeAllOf(symbol: string, state: SymbolState): PriceTick[] {
    const closing = [...state.buckets.values()].sort((a, b) => a.startMs - b.startMs);
    state.buckets.clear();
    const last = closing.at(-1);
    if (last) state.closedBeforeMs = Math.max(state.closedBeforeMs, last.startMs + SECOND_MS);
    return closing.map((b) => tickOf(symbol, b));
  }
}
