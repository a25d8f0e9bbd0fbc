/**
 * What the live source needs from a service's WebSocket protocol: where to connect, what to send
 * after connecting, how to read a frame, and the service's documented limits. One implementation
 * per service (finnhub-protocol.ts, binance-protocol.ts); the connection handling is shared
 * (live-source.ts).
 */
import type { LiveSourceName } from './symbol-map.js';

/** A trade as a frame carries it, before validation: the fields are whatever the service sent. */
export interface RawTrade {
  symbol: unknown;
  price: unknown;
  volume: unknown;
  time: unknown;
  /** The service's names of those fields, for rejection reasons (`p`, `q`, `T`...). */
  fields: TradeFieldNames;
  /** The trade object as received, for the reject file. */
  raw: unknown;
}

export interface TradeFieldNames {
  symbol: string;
  price: string;
  volume: string;
  time: string;
}

/** A closed one-minute candle of the service (Binance `@kline_1m` with `x: true`). */
export interface ServiceCandle {
  symbol: string;
  startMs: number;
  trades: number;
}

export type FrameEvent =
  | { kind: 'trades'; trades: RawTrade[] }
  /** A service-level keep-alive (Finnhub `{"type":"ping"}`): proves the connection is alive. */
  | { kind: 'heartbeat' }
  | { kind: 'candle'; candle: ServiceCandle }
  /** The service says something went wrong (Finnhub `{"type":"error","msg":...}`). */
  | { kind: 'service-error'; message: string }
  /** The service announces it will close this connection (Binance `serverShutdown`). */
  | { kind: 'going-away'; reason: string }
  /** Well-formed but of no interest (subscription acknowledgements and the like). */
  | { kind: 'ignored' }
  | { kind: 'malformed'; reason: string };

export interface ConnectionLimits {
  /** Most symbols (Finnhub) or streams (Binance) one connection may carry. */
  maxSubscriptions: number;
  /** The service drops a connection after this long; we replace it just before. */
  maxLifetimeMs?: number;
  /** Most control frames (subscribe messages, pings) we may send per second. */
  controlFramesPerSecond?: number;
}

export interface LiveProtocol {
  readonly name: LiveSourceName;
  /** The address to connect to. It may carry a secret (Finnhub's token): never log it. */
  url(): string;
  /** The address without query or credentials, for logs. */
  readonly endpoint: string;
  /** Text frames to send once connected (subscriptions), in order. */
  subscribeFrames(): string[];
  /** Text frames to send before a deliberate close (unsubscriptions). */
  unsubscribeFrames(): string[];
  parse(text: string): FrameEvent;
  readonly limits: ConnectionLimits;
  /** How many subscriptions this run needs, checked against `limits.maxSubscriptions`. */
  readonly subscriptions: number;
}

/** Parses a frame's JSON; undefined when it is not a JSON object. */
export function parseJsonObject(text: string): Record<string, unknown> | { malformed: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { malformed: `not valid JSON: ${(error as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { malformed: 'expected a JSON object' };
  }
  return value as Record<string, unknown>;
}

export function isMalformed(value: object): value is { malformed: string } {
  return typeof (value as { malformed?: unknown }).malformed === 'string' && Object.keys(value).length === 1;
}
