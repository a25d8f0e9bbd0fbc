/**
 * The live source against a local WebSocket server speaking each service's protocol from fixture
 * frames (no internet): exact ticks across a dropped connection, resubscription, silence
 * detection, a refused token, malformed frames, the service going away, backoff. Waits are on
 * conditions (vi.waitFor), never on durations; the backoff sleep is injected and only recorded.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodePriceTick, type PriceTick } from '../../schemas/events.js';
import { RejectFile } from '../reject-file.js';
import { binanceProtocol } from './binance-protocol.js';
import { finnhubProtocol } from './finnhub-protocol.js';
import { expectedTick, S0 } from './fixtures/expected-ticks.js';
import { FeedServer, fixtureFrames } from './fixtures/feed-server.js';
import type { LiveProtocol } from './live-protocol.js';
import { LiveSource, type LiveSourceOptions } from './live-source.js';
import { resolveSymbols, type SymbolMap } from './symbol-map.js';
import { TradeAggregator } from './trade-aggregator.js';

const TOKEN = 'fh-test-token-7f3a9c';
const tick = expectedTick;

function memoryLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') };
}

const servers: FeedServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function feed(options: Parameters<typeof FeedServer.start>[0]) {
  const server = await FeedServer.start(options);
  servers.push(server);
  return server;
}

interface Run {
  source: LiveSource;
  ticks: PriceTick[];
  keys: string[];
  delays: number[];
  log: () => string;
  rejects: { line: number; field: string; reason: string; raw: string }[];
  ended: Promise<void>;
}

function run(
  protocol: LiveProtocol,
  symbols: SymbolMap,
  overrides: Partial<LiveSourceOptions> & { graceMs?: number; countMinutes?: boolean } = {},
): Run {
  const { logger, text } = memoryLogger();
  const delays: number[] = [];
  const rejects: Run['rejects'] = [];
  const source = new LiveSource({
    protocol,
    symbols,
    aggregator: new TradeAggregator({
      graceMs: overrides.graceMs ?? 1000,
      idleFlushMs: 3_600_000,
      countMinutes: overrides.countMinutes ?? false,
    }),
    rejects: {
      async write(line, rejection, raw) {
        rejects.push({ line, field: rejection.field, reason: rejection.reason, raw });
      },
    },
    logger,
    secrets: [TOKEN],
    silenceTimeoutMs: 60_000,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 1,
    ...overrides,
  });
  const ticks: PriceTick[] = [];
  const keys: string[] = [];
  const ended = (async () => {
    for await (const message of source.messages()) {
      const decoded = decodePriceTick(message.value);
      if (!decoded.ok) throw new Error(`published an invalid tick: ${decoded.rejection.reason}`);
      ticks.push(decoded.value);
      keys.push(String(message.key));
    }
  })();
  return { source, ticks, keys, delays, log: text, rejects, ended };
}

const finnhubSymbols = resolveSymbols('finnhub', ['AAPL', 'MSFT']);
const binanceSymbols = resolveSymbols('binance', ['BTC', 'ETH']);

describe('live source: Finnhub', () => {
  it('subscribes on connect, and after a drop mid-stream resubscribes and publishes exactly the ticks of both sessions', async () => {
    const server = await feed({
      token: TOKEN,
      scripts: [
        async (c) => {
          await c.waitForFrames(2);
          await c.send(fixtureFrames('finnhub-session-1.jsonl'));
          c.drop();
        },
        async (c) => {
          await c.waitForFrames(2);
          await c.send(fixtureFrames('finnhub-session-2.jsonl'));
        },
      ],
    });
    const r = run(
      finnhubProtocol({ baseUrl: server.url, token: TOKEN, symbols: finnhubSymbols }),
      finnhubSymbols,
    );
    await vi.waitFor(() => expect(r.source.stats.tradesReceived).toBe(13), { timeout: 10_000 });

    expect(server.connections.map((c) => c.received)).toEqual([
      ['{"type":"subscribe","symbol":"AAPL"}', '{"type":"subscribe","symbol":"MSFT"}'],
      ['{"type":"subscribe","symbol":"AAPL"}', '{"type":"subscribe","symbol":"MSFT"}'],
    ]);
    expect(r.source.stats.reconnects).toBe(1);
    expect(r.delays).toEqual([1000]); // one failure: the first step (random() = 1: the top of its jitter)
    // Closed in event time so far: AAPL's second 0 (by its 2.3 s trade plus 1 s grace) and second
    // 1 (by 3.5 s), which collected trades from both sessions.
    await vi.waitFor(() => expect(r.ticks).toHaveLength(2));
    expect(r.ticks).toEqual([
      tick('AAPL', 0, 228.1, 228.3, 228.1, 228.3, 150),
      tick('AAPL', 1, 228.2, 228.7, 228, 228.7, 115),
    ]);
    // The 1.5 s trade came after second 1 was published: refused as late, not a second tick.
    expect(r.rejects).toEqual([
      {
        line: 9,
        field: 'time',
        reason: 'late: the tick of 2026-12-01T14:30:01.000Z was already published',
        raw: '{"c":["1"],"p":228,"s":"AAPL","t":1796135401500,"v":1}',
      },
    ]);

    r.source.stop();
    await r.ended;
    await vi.waitFor(() =>
      expect(server.connections[1]!.received.slice(2)).toEqual([
        '{"type":"unsubscribe","symbol":"AAPL"}',
        '{"type":"unsubscribe","symbol":"MSFT"}',
      ]),
    );
    // Shutdown closes the open seconds: AAPL 2 and 3, and MSFT 0, whose trades straddle the drop.
    expect(r.ticks).toEqual([
      tick('AAPL', 0, 228.1, 228.3, 228.1, 228.3, 150),
      tick('AAPL', 1, 228.2, 228.7, 228, 228.7, 115),
      tick('AAPL', 2, 228.4, 228.45, 228.4, 228.45, 50),
      tick('AAPL', 3, 228.9, 228.9, 228.9, 228.9, 25),
      tick('MSFT', 0, 421, 421.5, 421, 421.5, 15),
    ]);
    expect(r.keys).toEqual(['AAPL', 'AAPL', 'AAPL', 'AAPL', 'MSFT']);
    expect(r.source.stats).toMatchObject({ ticksEmitted: 5, rejects: 1, lateTrades: 1, connected: false });
    expect(r.log()).toContain('connection ended');
    expect(r.log()).not.toContain(TOKEN);
  });

  it('ends on a refused token (HTTP 401) without retrying, and never logs the token', async () => {
    const server = await feed({ token: 'the-right-token', scripts: [] });
    const r = run(
      finnhubProtocol({ baseUrl: server.url, token: TOKEN, symbols: finnhubSymbols }),
      finnhubSymbols,
    );
    await r.ended;
    expect(r.source.failure).toBe('finnhub refused the connection with HTTP 401: check FINNHUB_TOKEN');
    expect(server.refused).toBe(1);
    expect(r.source.stats.reconnects).toBe(0);
    expect(r.delays).toEqual([]);
    expect(r.log()).toContain('HTTP 401');
    expect(r.log()).not.toContain(TOKEN);
  });

  it('replaces a connection that goes silent (no frame, no pong) and resubscribes on the new one', async () => {
    const server = await feed({
      token: TOKEN,
      autoPong: false,
      scripts: [
        async (c) => {
          await c.waitForFrames(2);
          await c.send([fixtureFrames('finnhub-session-1.jsonl')[1]!]);
          // ...and then nothing: no frame, no pong to the client's pings.
        },
        async (c) => {
          await c.waitForFrames(2);
        },
      ],
    });
    const r = run(
      finnhubProtocol({ baseUrl: server.url, token: TOKEN, symbols: finnhubSymbols }),
      finnhubSymbols,
      {
        silenceTimeoutMs: 300,
        pingIntervalMs: 100,
      },
    );
    await vi.waitFor(() => expect(server.connections.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    await server.connections[1]!.waitForFrames(2);
    r.source.stop();
    await r.ended;
    expect(r.source.stats.reconnects).toBeGreaterThanOrEqual(1);
    expect(r.log()).toContain('connection ended (silent for 300 ms)');
    expect(r.source.stats.tradesReceived).toBe(3);
    expect(r.ticks).toEqual([
      tick('AAPL', 0, 228.1, 228.3, 228.1, 228.3, 150),
      tick('MSFT', 0, 421, 421, 421, 421, 10),
    ]);
  });

  it('counts malformed frames and bad trades, writes each to the reject file with the reason, and publishes only good trades', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'live-rejects-'));
    dirs.push(dir);
    const server = await feed({
      token: TOKEN,
      scripts: [
        async (c) => {
          await c.waitForFrames(2);
          await c.send(fixtureFrames('finnhub-malformed.jsonl'));
        },
      ],
    });
    const file = new RejectFile(join(dir, 'rejects.jsonl'));
    const r = run(
      finnhubProtocol({ baseUrl: server.url, token: TOKEN, symbols: finnhubSymbols }),
      finnhubSymbols,
      {
        rejects: file,
      },
    );
    await vi.waitFor(() => expect(r.log()).toContain('Subscribing to too many symbols'), { timeout: 10_000 });
    r.source.stop();
    await r.ended;
    await file.close();
    const records = (await readFile(file.path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((x) => [x.line, x.field, x.reason])).toEqual([
      [1, '$', expect.stringMatching(/^not valid JSON/)],
      [2, '$', 'trade message without a data array'],
      [3, 'p', 'must be above 0 (got 0)'],
      [3, 'v', 'must not be negative (got -3)'],
      [3, 's', 'unknown symbol "TSLA": not subscribed'],
      [3, 't', 'missing time'],
      [3, 'p', 'not a finite number: "abc"'],
      [4, '$', 'message without a type'],
    ]);
    expect(records[0].raw).toBe('not json at all');
    expect(records[4].raw).toBe('{"p":228.1,"s":"TSLA","t":1796135400300,"v":1}');
    expect(r.source.stats).toMatchObject({ tradesReceived: 6, rejects: 8, malformedFrames: 3 });
    expect(r.ticks).toEqual([tick('AAPL', 0, 228.15, 228.15, 228.15, 228.15, 0)]);
  });

  it('refuses to start with more symbols than the plan streams', () => {
    const symbols = resolveSymbols('finnhub', ['AAPL', 'MSFT', 'NVDA']);
    const protocol = finnhubProtocol({ baseUrl: 'ws://127.0.0.1:1', token: TOKEN, symbols, maxSymbols: 2 });
    expect(() => run(protocol, symbols)).toThrow(
      'finnhub allows at most 2 symbols per connection; this run needs 3',
    );
  });
});

describe('live source: Binance', () => {
  it('opens the combined trade streams, and after a drop mid-stream publishes exactly the ticks of both sessions', async () => {
    const server = await feed({
      scripts: [
        async (c) => {
          await c.send(fixtureFrames('binance-session-1.jsonl'));
          c.drop();
        },
        async (c) => {
          await c.send(fixtureFrames('binance-session-2.jsonl'));
        },
      ],
    });
    const r = run(
      binanceProtocol({ baseUrl: server.url, symbols: binanceSymbols, klines: false }),
      binanceSymbols,
    );
    await vi.waitFor(() => expect(r.source.stats.tradesReceived).toBe(6), { timeout: 10_000 });
    expect(server.connections.map((c) => c.request.url)).toEqual([
      '/stream?streams=btcusdt@trade/ethusdt@trade',
      '/stream?streams=btcusdt@trade/ethusdt@trade',
    ]);
    await vi.waitFor(() => expect(r.ticks).toHaveLength(1));
    r.source.stop();
    await r.ended;
    expect(r.ticks).toEqual([
      tick('BTC', 0, 64500.1, 64501, 64500.1, 64501, 0.26),
      tick('BTC', 1, 64499.9, 64499.9, 64499.9, 64499.9, 0.1),
      tick('BTC', 2, 64502.5, 64502.5, 64502.5, 64502.5, 0.005),
      tick('ETH', 0, 3050.5, 3051, 3050.5, 3051, 2),
    ]);
    expect(r.source.stats).toMatchObject({ reconnects: 1, rejects: 0 });
  });

  it('reconnects at once when the server announces serverShutdown, and counts trades a closed candle saw that we missed', async () => {
    const server = await feed({
      scripts: [async (c) => c.send(fixtureFrames('binance-klines.jsonl')), async () => undefined],
    });
    const r = run(
      binanceProtocol({ baseUrl: server.url, symbols: binanceSymbols, klines: true }),
      binanceSymbols,
      {
        countMinutes: true,
        now: () => S0, // the run started before the candle's minute
      },
    );
    await vi.waitFor(() => expect(server.connections).toHaveLength(2), { timeout: 10_000 });
    r.source.stop();
    await r.ended;
    expect(server.connections[0]!.request.url).toBe(
      '/stream?streams=btcusdt@trade/btcusdt@kline_1m/ethusdt@trade/ethusdt@kline_1m',
    );
    expect(r.delays).toEqual([0]);
    expect(r.source.stats.missedTrades).toBe(3);
    expect(r.log()).toContain('3 trade(s) of BTC in that minute never reached us');
    expect(r.log()).toContain('connection ended (serverShutdown)');
  });

  it('retries a handshake refused with HTTP 503 after a backoff, unlike a refused token', async () => {
    const server = await feed({
      handshakeStatus: (attempt) => (attempt < 2 ? 503 : undefined),
      scripts: [async (c) => c.send([fixtureFrames('binance-session-1.jsonl')[0]!])],
    });
    const r = run(
      binanceProtocol({ baseUrl: server.url, symbols: binanceSymbols, klines: false }),
      binanceSymbols,
    );
    await vi.waitFor(() => expect(r.source.stats.tradesReceived).toBe(1), { timeout: 10_000 });
    r.source.stop();
    await r.ended;
    expect(server.refused).toBe(2);
    expect(r.delays).toEqual([1000, 2000]);
    expect(r.source.failure).toBeUndefined();
    expect(r.log()).toContain('connection ended (HTTP 503)');
    expect(r.ticks).toEqual([tick('BTC', 0, 64500.1, 64500.1, 64500.1, 64500.1, 0.01)]);
  });

  it('backs off exponentially while connections fail, and starts afresh after a connection that stayed up', async () => {
    const closed = await FeedServer.start({ scripts: [] });
    const url = closed.url;
    await closed.close(); // nothing listens there now: every attempt is refused
    const refused = run(
      binanceProtocol({ baseUrl: url, symbols: binanceSymbols, klines: false }),
      binanceSymbols,
    );
    await vi.waitFor(() => expect(refused.delays.length).toBeGreaterThanOrEqual(5), { timeout: 10_000 });
    refused.source.stop();
    await refused.ended;
    expect(refused.delays.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 16_000]);
    expect(refused.log()).toContain('ECONNREFUSED');

    const dropping = await feed({ scripts: [(c) => c.drop()] });
    const stable = run(
      binanceProtocol({ baseUrl: dropping.url, symbols: binanceSymbols, klines: false }),
      binanceSymbols,
      {
        stableAfterMs: 0,
      },
    );
    await vi.waitFor(() => expect(stable.delays.length).toBeGreaterThanOrEqual(3), { timeout: 10_000 });
    stable.source.stop();
    await stable.ended;
    expect(stable.delays.slice(0, 3)).toEqual([1000, 1000, 1000]);
  });
});
