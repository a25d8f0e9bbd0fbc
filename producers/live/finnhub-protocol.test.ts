import { describe, expect, it } from 'vitest';
import {
  finnhubProtocol,
  finnhubSubscribe,
  finnhubUnsubscribe,
  parseFinnhubFrame,
} from './finnhub-protocol.js';
import { fixtureFrames } from './fixtures/feed-server.js';
import { resolveSymbols } from './symbol-map.js';
import { validateTrade } from './trade-validation.js';

const symbols = resolveSymbols('finnhub', ['AAPL', 'MSFT', 'BTC']);

describe('Finnhub protocol', () => {
  it('subscribes and unsubscribes with one message per symbol, as documented', () => {
    expect(finnhubSubscribe('AAPL')).toBe('{"type":"subscribe","symbol":"AAPL"}');
    expect(finnhubUnsubscribe('AAPL')).toBe('{"type":"unsubscribe","symbol":"AAPL"}');
    const protocol = finnhubProtocol({ baseUrl: 'wss://ws.finnhub.io', token: 'secret-token', symbols });
    expect(protocol.subscribeFrames()).toEqual([
      '{"type":"subscribe","symbol":"AAPL"}',
      '{"type":"subscribe","symbol":"MSFT"}',
      '{"type":"subscribe","symbol":"BINANCE:BTCUSDT"}',
    ]);
  });

  it('puts the token in the connection URL only, never in the endpoint it logs', () => {
    const protocol = finnhubProtocol({ baseUrl: 'wss://ws.finnhub.io', token: 'se cret/+', symbols });
    expect(new URL(protocol.url()).searchParams.get('token')).toBe('se cret/+');
    expect(protocol.endpoint).toBe('wss://ws.finnhub.io/');
    expect(protocol.endpoint).not.toContain('cret');
  });

  it('reads a trade message into its trades: symbol, price, time, volume', () => {
    const [, frame] = fixtureFrames('finnhub-session-1.jsonl');
    const event = parseFinnhubFrame(frame as string);
    expect(event.kind).toBe('trades');
    if (event.kind !== 'trades') return;
    expect(event.trades.map((t) => validateTrade(t, symbols))).toEqual([
      { ok: true, value: { symbol: 'AAPL', price: 228.1, volume: 100, timeMs: 1796135400100 } },
      { ok: true, value: { symbol: 'AAPL', price: 228.3, volume: 50, timeMs: 1796135400900 } },
      { ok: true, value: { symbol: 'MSFT', price: 421, volume: 10, timeMs: 1796135400500 } },
    ]);
  });

  it('maps a Finnhub crypto symbol to ours', () => {
    const event = parseFinnhubFrame(
      '{"type":"trade","data":[{"s":"BINANCE:BTCUSDT","p":64500.5,"t":1796135400000,"v":0.01}]}',
    );
    if (event.kind !== 'trades') throw new Error(event.kind);
    expect(validateTrade(event.trades[0]!, symbols)).toMatchObject({ ok: true, value: { symbol: 'BTC' } });
  });

  it('reads a ping as a keep-alive and an error message as a service error', () => {
    expect(parseFinnhubFrame('{"type":"ping"}')).toEqual({ kind: 'heartbeat' });
    expect(parseFinnhubFrame('{"type":"error","msg":"Subscribing to too many symbols"}')).toEqual({
      kind: 'service-error',
      message: 'Subscribing to too many symbols',
    });
  });

  it('calls frames malformed that are not JSON, lack a type or carry no data array', () => {
    const frames = fixtureFrames('finnhub-malformed.jsonl');
    expect(parseFinnhubFrame(frames[0]!)).toMatchObject({
      kind: 'malformed',
      reason: expect.stringMatching(/^not valid JSON/),
    });
    expect(parseFinnhubFrame(frames[1]!)).toEqual({
      kind: 'malformed',
      reason: 'trade message without a data array',
    });
    expect(parseFinnhubFrame(frames[3]!)).toEqual({ kind: 'malformed', reason: 'message without a type' });
    expect(parseFinnhubFrame('[1,2]')).toEqual({ kind: 'malformed', reason: 'expected a JSON object' });
    expect(parseFinnhubFrame('{"type":"news"}')).toEqual({ kind: 'ignored' });
  });

  it("refuses trades that break seed 002's rules, naming Finnhub's field and the reason", () => {
    const event = parseFinnhubFrame(fixtureFrames('finnhub-malformed.jsonl')[2]!);
    if (event.kind !== 'trades') throw new Error(event.kind);
    const results = event.trades.map((t) => validateTrade(t, symbols));
    expect(results.map((r) => (r.ok ? 'ok' : `${r.rejection.field}: ${r.rejection.reason}`))).toEqual([
      'p: must be above 0 (got 0)',
      'v: must not be negative (got -3)',
      's: unknown symbol "TSLA": not subscribed',
      't: missing time',
      'p: not a finite number: "abc"',
      'ok',
    ]);
  });
});
