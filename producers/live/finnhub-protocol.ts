/**
 * Finnhub's trade WebSocket (finnhub.io/docs/api/websocket-trades): connect to
 * `wss://ws.finnhub.io?token=<token>` (a bad token is refused with HTTP 401 at the handshake), send
 * `{"type":"subscribe","symbol":"AAPL"}` per symbol, and receive
 * `{"type":"trade","data":[{"s","p","t","v","c"}]}` (symbol, last price, UNIX ms time, volume,
 * trade conditions) and `{"type":"ping"}` keep-alives; `{"type":"error","msg"}` reports a problem.
 */
import {
  type FrameEvent,
  isMalformed,
  type LiveProtocol,
  parseJsonObject,
  type RawTrade,
  type TradeFieldNames,
} from './live-protocol.js';
import type { SymbolMap } from './symbol-map.js';

export const FINNHUB_DEFAULT_URL = 'wss://ws.finnhub.io';

/**
 * Finnhub's free plan streams up to 50 symbols per API key (its pricing page); a paid plan raises
 * that, so the limit is an option.
 */
export const FINNHUB_MAX_SYMBOLS = 50;

const FIELDS: TradeFieldNames = { symbol: 's', price: 'p', volume: 'v', time: 't' };

export function finnhubSubscribe(symbol: string): string {
  return JSON.stringify({ type: 'subscribe', symbol });
}

export function finnhubUnsubscribe(symbol: string): string {
  return JSON.stringify({ type: 'unsubscribe', symbol });
}

export function parseFinnhubFrame(text: string): FrameEvent {
  const frame = parseJsonObject(text);
  if (isMalformed(frame)) return { kind: 'malformed', reason: frame.malformed };
  switch (frame.type) {
    case 'ping':
      return { kind: 'heartbeat' };
    case 'error':
      return {
        kind: 'service-error',
        message: typeof frame.msg === 'string' ? frame.msg : JSON.stringify(frame),
      };
    case 'trade': {
      if (!Array.isArray(frame.data))
        return { kind: 'malformed', reason: 'trade message without a data array' };
      const trades: RawTrade[] = frame.data.map((item: unknown) => {
        const t = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
        return { symbol: t.s, price: t.p, volume: t.v, time: t.t, fields: FIELDS, raw: item };
      });
      return { kind: 'trades', trades };
    }
    case undefined:
      return { kind: 'malformed', reason: 'message without a type' };
    default:
      return { kind: 'ignored' };
  }
}

export interface FinnhubOptions {
  baseUrl: string;
  token: string;
  symbols: SymbolMap;
  maxSymbols?: number;
}

export function finnhubProtocol(options: FinnhubOptions): LiveProtocol {
  const endpoint = new URL(options.baseUrl);
  endpoint.search = '';
  endpoint.username = '';
  endpoint.password = '';
  return {
    name: 'finnhub',
    url() {
      const url = new URL(options.baseUrl);
      url.searchParams.set('token', options.token);
      return url.toString();
    },
    endpoint: endpoint.toString(),
    subscribeFrames: () => options.symbols.providerSymbols().map(finnhubSubscribe),
    unsubscribeFrames: () => options.symbols.providerSymbols().map(finnhubUnsubscribe),
    parse: parseFinnhubFrame,
    limits: { maxSubscriptions: options.maxSymbols ?? FINNHUB_MAX_SYMBOLS },
    subscriptions: options.symbols.providerSymbols().length,
  };
}
