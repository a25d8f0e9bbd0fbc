/**
 * Binance's spot market streams (developers.binance.com, "WebSocket Streams"): a combined stream
 * `/stream?streams=btcusdt@trade/btcusdt@kline_1m` (stream names in lower case) delivers
 * `{"stream":"btcusdt@trade","data":{"e":"trade","E","s","t","p","q","T","m"}}`, where `p` and `q`
 * are decimal strings and `T` is the trade time in ms. The streams are named in the URL, so no
 * subscribe message is sent. Documented limits: a connection lives at most 24 hours, carries at
 * most 1024 streams and may send at most 5 control frames (ping, pong, subscribe) per second; the
 * server pings every 20 s and drops a connection that has not answered within a minute (`ws`
 * answers pings itself).
 */
import {
  type FrameEvent,
  isMalformed,
  type LiveProtocol,
  parseJsonObject,
  type TradeFieldNames,
} from './live-protocol.js';
import type { SymbolMap } from './symbol-map.js';

export const BINANCE_DEFAULT_URL = 'wss://stream.binance.com:9443';
export const BINANCE_MAX_STREAMS = 1024;
export const BINANCE_MAX_LIFETIME_MS = 24 * 3_600_000;
export const BINANCE_CONTROL_FRAMES_PER_SECOND = 5;

const FIELDS: TradeFieldNames = { symbol: 's', price: 'p', volume: 'q', time: 'T' };

export function binanceStreams(symbols: SymbolMap, klines: boolean): string[] {
  return symbols.providerSymbols().flatMap((pair) => {
    const lower = pair.toLowerCase();
    return klines ? [`${lower}@trade`, `${lower}@kline_1m`] : [`${lower}@trade`];
  });
}

function parsePayload(data: Record<string, unknown>): FrameEvent {
  switch (data.e) {
    case 'trade':
      return {
        kind: 'trades',
        trades: [{ symbol: data.s, price: data.p, volume: data.q, time: data.T, fields: FIELDS, raw: data }],
      };
    case 'kline': {
      const k = data.k as Record<string, unknown> | undefined;
      if (!k || typeof k !== 'object') return { kind: 'malformed', reason: 'kline event without k' };
      if (k.x !== true) return { kind: 'ignored' };
      if (typeof k.s !== 'string' || typeof k.t !== 'number' || typeof k.n !== 'number') {
        return { kind: 'malformed', reason: 'closed kline without s, t or n' };
      }
      return { kind: 'candle', candle: { symbol: k.s, startMs: k.t, trades: k.n } };
    }
    case 'serverShutdown':
      return { kind: 'going-away', reason: 'serverShutdown' };
    default:
      return { kind: 'ignored' };
  }
}

export function parseBinanceFrame(text: string): FrameEvent {
  const frame = parseJsonObject(text);
  if (isMalformed(frame)) return { kind: 'malformed', reason: frame.malformed };
  // A combined stream wraps each event; a raw stream (or an event sent outside one) does not.
  if ('stream' in frame || 'data' in frame) {
    const data = frame.data;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      return { kind: 'malformed', reason: 'combined-stream message without a data object' };
    }
    return parsePayload(data as Record<string, unknown>);
  }
  if ('result' in frame && 'id' in frame) return { kind: 'ignored' };
  if (typeof frame.e === 'string') return parsePayload(frame);
  return { kind: 'malformed', reason: 'neither a combined-stream message nor an event' };
}

export interface BinanceOptions {
  baseUrl: string;
  symbols: SymbolMap;
  /** Also subscribe to `@kline_1m`, to compare each closed minute's trade count with ours. */
  klines: boolean;
}

export function binanceProtocol(options: BinanceOptions): LiveProtocol {
  const streams = binanceStreams(options.symbols, options.klines);
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    name: 'binance',
    // The slashes between stream names stay literal, as Binance documents the address.
    url: () => `${base}/stream?streams=${streams.join('/')}`,
    endpoint: `${base}/stream`,
    subscribeFrames: () => [],
    unsubscribeFrames: () => [],
    parse: parseBinanceFrame,
    limits: {
      maxSubscriptions: BINANCE_MAX_STREAMS,
      maxLifetimeMs: BINANCE_MAX_LIFETIME_MS,
      controlFramesPerSecond: BINANCE_CONTROL_FRAMES_PER_SECOND,
    },
    subscriptions: streams.length,
  };
}
