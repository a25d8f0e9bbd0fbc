/**
 * Seed 002's rules for a live trade: a symbol this run subscribed to, a price above 0, a volume of
 * 0 or more, a time. A trade that breaks one is refused with the service's field name and the
 * reason; it is counted and written to the reject file, never published.
 */
import { reject, type Validated } from '../../schemas/rejection.js';
import type { RawTrade } from './live-protocol.js';
import type { SymbolMap } from './symbol-map.js';

/** A valid trade: our symbol, and its own (event) time in epoch ms. */
export interface Trade {
  symbol: string;
  price: number;
  volume: number;
  timeMs: number;
}

/** A number, or (Binance) a decimal string such as "0.00100000"; undefined for anything else. */
function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function validateTrade(trade: RawTrade, symbols: SymbolMap): Validated<Trade> {
  const { fields } = trade;
  if (typeof trade.symbol !== 'string' || trade.symbol === '') return reject(fields.symbol, 'missing symbol');
  const symbol = symbols.oursOf(trade.symbol);
  if (symbol === undefined)
    return reject(fields.symbol, `unknown symbol ${JSON.stringify(trade.symbol)}: not subscribed`);
  if (trade.price === undefined || trade.price === null) return reject(fields.price, 'missing price');
  const price = numeric(trade.price);
  if (price === undefined || !Number.isFinite(price))
    return reject(fields.price, `not a finite number: ${JSON.stringify(trade.price)}`);
  if (!(price > 0)) return reject(fields.price, `must be above 0 (got ${price})`);
  if (trade.volume === undefined || trade.volume === null) return reject(fields.volume, 'missing volume');
  const volume = numeric(trade.volume);
  if (volume === undefined || !Number.isFinite(volume))
    return reject(fields.volume, `not a finite number: ${JSON.stringify(trade.volume)}`);
  if (volume < 0) return reject(fields.volume, `must not be negative (got ${volume})`);
  if (trade.time === undefined || trade.time === null) return reject(fields.time, 'missing time');
  if (typeof trade.time !== 'number' || !Number.isSafeInteger(trade.time) || trade.time <= 0) {
    return reject(fields.time, `expected epoch milliseconds, got ${JSON.stringify(trade.time)}`);
  }
  return { ok: true, value: { symbol, price, volume, timeMs: trade.time } };
}
