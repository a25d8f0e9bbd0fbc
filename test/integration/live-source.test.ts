/**
 * Live sources into the real Kafka (KAFKA_BROKERS, set by `npm run test:integration`), with no
 * internet: a local WebSocket server on 127.0.0.1 plays Finnhub's and Binance's side from the
 * fixture frames, drops the connection mid-stream and takes the reconnect; the source publishes
 * through the project's publisher and Kafka adapter. The ticks read back are checked exactly:
 * how many, keyed by symbol, and every OHLCV value, including the seconds whose trades straddle
 * the drop. Then the CLI: `sentiment produce live --to kafka`, stopped by SIGTERM, publishes its
 * open seconds to `<prefix>stock-prices` and exits 0.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import type { LogMessage } from '../../infra/kafka/event-log.js';
import { KafkaEventLog } from '../../infra/kafka/kafka-event-log.js';
import { binanceProtocol } from '../../producers/live/binance-protocol.js';
import { finnhubProtocol } from '../../producers/live/finnhub-protocol.js';
import { expectedTick, S0 } from '../../producers/live/fixtures/expected-ticks.js';
import { FeedServer, fixtureFrames } from '../../producers/live/fixtures/feed-server.js';
import type { LiveProtocol } from '../../producers/live/live-protocol.js';
import { LiveSource } from '../../producers/live/live-source.js';
import { resolveSymbols, type SymbolMap } from '../../producers/live/symbol-map.js';
import { TradeAggregator } from '../../producers/live/trade-aggregator.js';
import { PublishStats, publish } from '../../producers/publisher.js';
import { EventLogSink } from '../../producers/sinks.js';
import { decodePriceTick, type PriceTick } from '../../schemas/events.js';

const config = loadConfig(process.env);
if (!config.kafka) throw new Error('KAFKA_BROKERS is not set: run through `npm run test:integration`');
const kafka = config.kafka;
const TOKEN = 'fh-it-token-5e8c1b';
const tick = expectedTick;

/** Reads `topic` from the beginning with a fresh group until `count` messages (or a deadline). */
async function readBack(log: KafkaEventLog, topic: string, count: number): Promise<LogMessage[]> {
  const consumer = await log.consumer({
    groupId: `it-live-${randomUUID().slice(0, 8)}`,
    topics: [topic],
    fromBeginning: true,
  });
  const seen: LogMessage[] = [];
  const deadline = Date.now() + 60_000;
  try {
    while (seen.length < count && Date.now() < deadline)
      seen.push(...(await consumer.poll({ maxMessages: 1000, maxWaitMs: 500 })));
    // A little longer: anything beyond `count` would be a duplicate or a stray tick.
    seen.push(...(await consumer.poll({ maxMessages: 1000, maxWaitMs: 1500 })));
  } finally {
    await consumer.close();
  }
  return seen;
}

/** Ticks by symbol, each symbol's in partition order (a symbol lives on one partition). */
function ticksBySymbol(messages: LogMessage[]): Map<string, PriceTick[]> {
  const bySymbol = new Map<string, PriceTick[]>();
  const partitionOf = new Map<string, number>();
  for (const m of [...messages].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const decoded = decodePriceTick(m.value);
    if (!decoded.ok) throw new Error(`invalid tick in the topic: ${decoded.rejection.reason}`);
    expect(m.key).toBe(decoded.value.symbol);
    expect(partitionOf.get(decoded.value.symbol) ?? m.partition).toBe(m.partition);
    partitionOf.set(decoded.value.symbol, m.partition);
    bySymbol.set(decoded.value.symbol, [...(bySymbol.get(decoded.value.symbol) ?? []), decoded.value]);
  }
  return bySymbol;
}

/** A Binance feed: session 1's frames, the connection dropped, then session 2's on the reconnect. */
function binanceSessionDroppedOnce(): Promise<FeedServer> {
  return FeedServer.start({
    scripts: [
      async (c) => {
        await c.send(fixtureFrames('binance-session-1.jsonl'));
        c.drop();
      },
      async (c) => c.send(fixtureFrames('binance-session-2.jsonl')),
    ],
  });
}

describe('live sources into real Kafka', () => {
  let log: KafkaEventLog;
  const servers: FeedServer[] = [];
  beforeAll(() => {
    log = new KafkaEventLog({ brokers: kafka.brokers, clientId: `it-live-${randomUUID().slice(0, 6)}` });
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await log.close();
  });

  async function liveIntoKafka(
    protocol: LiveProtocol,
    symbols: SymbolMap,
    server: FeedServer,
    trades: number,
  ) {
    const topic = `it-live-${protocol.name}-${randomUUID().slice(0, 8)}`;
    await log.createTopics([{ name: topic, partitions: 3 }]);
    const stats = new PublishStats();
    const source = new LiveSource({
      protocol,
      symbols,
      aggregator: new TradeAggregator({ graceMs: 1000, idleFlushMs: 3_600_000 }),
      rejects: { write: async () => undefined },
      logger: pino({ level: 'error' }),
      publishStats: stats,
      secrets: [TOKEN],
      sleep: async () => undefined, // reconnect at once; the backoff has its own unit test
    });
    const running = publish({ source: source.messages(), sink: new EventLogSink(log, topic), stats });
    await vi.waitFor(() => expect(source.stats.tradesReceived).toBe(trades), { timeout: 30_000 });
    expect(server.connections).toHaveLength(2);
    const beforeStop = source.stats.ticksEmitted;
    source.stop();
    const result = await running;
    expect(result).toMatchObject({ unsent: 0, reason: 'end' });
    return { topic, source, result, beforeStop };
  }

  it('Finnhub: publishes exactly the ticks of the trades before and after a dropped connection', async () => {
    const server = await FeedServer.start({
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
    servers.push(server);
    const symbols = resolveSymbols('finnhub', ['AAPL', 'MSFT']);
    const run = await liveIntoKafka(
      finnhubProtocol({ baseUrl: server.url, token: TOKEN, symbols }),
      symbols,
      server,
      13,
    );
    expect(run.result.sent).toBe(5);
    expect(run.beforeStop).toBe(2); // AAPL 0 and 1 closed in event time; the rest by the stop
    expect(run.source.stats).toMatchObject({ reconnects: 1, rejects: 1, lateTrades: 1 });
    const messages = await readBack(log, run.topic, 5);
    expect(messages).toHaveLength(5);
    const bySymbol = ticksBySymbol(messages);
    expect(bySymbol.get('AAPL')).toEqual([
      tick('AAPL', 0, 228.1, 228.3, 228.1, 228.3, 150),
      tick('AAPL', 1, 228.2, 228.7, 228, 228.7, 115),
      tick('AAPL', 2, 228.4, 228.45, 228.4, 228.45, 50),
      tick('AAPL', 3, 228.9, 228.9, 228.9, 228.9, 25),
    ]);
    expect(bySymbol.get('MSFT')).toEqual([tick('MSFT', 0, 421, 421.5, 421, 421.5, 15)]);
  });

  it('Binance: publishes exactly the ticks of the trades before and after a dropped connection', async () => {
    const server = await binanceSessionDroppedOnce();
    servers.push(server);
    const symbols = resolveSymbols('binance', ['BTC', 'ETH']);
    const run = await liveIntoKafka(
      binanceProtocol({ baseUrl: server.url, symbols, klines: false }),
      symbols,
      server,
      6,
    );
    expect(run.result.sent).toBe(4);
    const messages = await readBack(log, run.topic, 4);
    expect(messages).toHaveLength(4);
    const bySymbol = ticksBySymbol(messages);
    expect(bySymbol.get('BTC')).toEqual([
      tick('BTC', 0, 64500.1, 64501, 64500.1, 64501, 0.26),
      tick('BTC', 1, 64499.9, 64499.9, 64499.9, 64499.9, 0.1),
      tick('BTC', 2, 64502.5, 64502.5, 64502.5, 64502.5, 0.005),
    ]);
    expect(bySymbol.get('ETH')).toEqual([tick('ETH', 0, 3050.5, 3051, 3050.5, 3051, 2)]);
  });

  it('`sentiment produce live --to kafka`: SIGTERM publishes the open seconds to stock-prices and exits 0', async () => {
    const server = await binanceSessionDroppedOnce();
    servers.push(server);
    const prefix = `it-live-cli-${randomUUID().slice(0, 8)}.`;
    const metricsPort = 20_000 + Math.floor(Math.random() * 40_000);
    const root = new URL('../..', import.meta.url).pathname;
    const child = spawn(
      process.execPath,
      [
        join(root, 'bin/sentiment.js'),
        'produce',
        'live',
        '--source',
        'binance',
        '--symbols',
        'BTC,ETH',
        '--idle-flush',
        '1h',
        '--metrics-port',
        String(metricsPort),
      ],
      {
        cwd: root,
        env: { ...process.env, BINANCE_WS_URL: server.url, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: 'warn' },
      },
    );
    const exit = once(child, 'exit');
    // Both sessions played and every trade read (its metrics say so), then stop it.
    await vi.waitFor(
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        expect(text).toContain('live_trades_received_total{source="binance"} 6');
        expect(text).toContain('live_reconnects_total{source="binance"} 1');
      },
      { timeout: 60_000, interval: 250 },
    );
    const topic = `${prefix}stock-prices`;
    child.kill('SIGTERM');
    const [code] = await exit;
    expect(code).toBe(0);
    const messages = await readBack(log, topic, 4);
    expect(messages).toHaveLength(4);
    const bySymbol = ticksBySymbol(messages);
    expect(bySymbol.get('BTC')?.map((t) => t.trade_timestamp)).toEqual([S0, S0 + 1000, S0 + 2000]);
    expect(bySymbol.get('ETH')).toEqual([tick('ETH', 0, 3050.5, 3051, 3050.5, 3051, 2)]);
  });
});
