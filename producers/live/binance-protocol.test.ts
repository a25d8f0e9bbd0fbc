import { describe, expect, it } from 'vitest';
import { binanceProtocol, binanceStreams, parseBinanceFrame } from './binance-protocol.js';
import { fixtureFrames } from './fixtures/feed-server.js';
import { resolveSymbols } from './symbol-map.js';
import { validateTrade } from './trade-validation.js';

const symbols = resolveSymbols('binance', ['BTC', 'ETHUSDT']);

describe('Binance protocol', () => {
  it('names the combined trade (and kline_1m) streams in the URL, in lower case', () => {
    expect(binanceStreams(symbols, false)).toEqual(['btcusdt@trade', 'ethusdt@trade']);
    const protocol = binanceProtocol({ baseUrl: 'wss://stream.binance.com:9443/', symbols, klines: true });
    expect(protocol.url()).toBe(
      'wss://stream.binance.com:9443/stream?streams=btcusdt@trade/btcusdt@kline_1m/ethusdt@trade/ethusdt@kline_1m',
    );
    expect(protocol.subscribeFrames()).toEqual([]);
    expect(protocol.subscriptions).toBe(4);
    expect(protocol.limits).toEqual({
      maxSubscriptions: 1024,
      maxLifetimeMs: 86_400_000,
      controlFramesPerSecond: 5,
    });
  });

  it('reads a combined-stream trade event: decimal-string price and quantity, trade time T', () => {
    const event = parseBinanceFrame(fixtureFrames('binance-session-1.jsonl')[0]!);
    if (event.kind !== 'trades') throw new Error(event.kind);
    expect(event.trades.map((t) => validateTrade(t, symbols))).toEqual([
      { ok: true, value: { symbol: 'BTC', price: 64500.1, volume: 0.01, timeMs: 1796135400100 } },
    ]);
  });

  it('ignores an open kline and reads a closed one as the minute candle with its trade count', () => {
    expect(parseBinanceFrame(fixtureFrames('binance-session-1.jsonl')[4]!)).toEqual({ kind: 'ignored' });
    expect(parseBinanceFrame(fixtureFrames('binance-klines.jsonl')[2]!)).toEqual({
      kind: 'candle',
      candle: { symbol: 'BTCUSDT', startMs: 1796135460000, trades: 5 },
    });
  });

  it('reads serverShutdown as the service going away', () => {
    expect(parseBinanceFrame(fixtureFrames('binance-klines.jsonl')[3]!)).toEqual({
      kind: 'going-away',
      reason: 'serverShutdown',
    });
    expect(parseBinanceFrame('{"result":null,"id":1}')).toEqual({ kind: 'ignored' });
  });

  it('calls frames malformed that are cut off or carry no data object', () => {
    const frames = fixtureFrames('binance-malformed.jsonl');
    expect(parseBinanceFrame(frames[4]!)).toEqual({
      kind: 'malformed',
      reason: 'combined-stream message without a data object',
    });
    expect(parseBinanceFrame(frames[6]!)).toMatchObject({
      kind: 'malformed',
      reason: expect.stringMatching(/^not valid JSON/),
    });
    expect(parseBinanceFrame('{"x":1}')).toEqual({
      kind: 'malformed',
      reason: 'neither a combined-stream message nor an event',
    });
  });

  it("refuses trades that break seed 002's rules, naming Binance's field and the reason", () => {
    const frames = fixtureFrames('binance-malformed.jsonl');
    const reasons = [0, 1, 2, 3, 5].map((i) => {
      const event = parseBinanceFrame(frames[i]!);
      if (event.kind !== 'trades') throw new Error(event.kind);
      const r = validateTrade(event.trades[0]!, symbols);
      return r.ok ? 'ok' : `${r.rejection.field}: ${r.rejection.reason}`;
    });
    expect(reasons).toEqual([
      'p: must be above 0 (got 0)',
      'q: must not be negative (got -1)',
      's: unknown symbol "SOLUSDT": not subscribed',
      'T: missing time',
      'ok',
    ]);
  });
});
