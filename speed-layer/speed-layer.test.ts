import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryViewStore } from '../infra/cassandra/memory-view-store.js';
import { loadConfig } from '../infra/config.js';
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import { MemoryEventLog } from '../infra/kafka/memory-event-log.js';
import { LocalObjectStore } from '../infra/lake/local-object-store.js';
import { createLogger } from '../infra/logger.js';
import { TABLES } from '../schemas/cassandra.js';
import { deadLetterTopic, TOPICS } from '../schemas/events.js';
import { parseBronzeObjectKey } from '../schemas/lake.js';
import type { SentimentMinuteRow, TweetBySymbolRow } from '../schemas/rows.js';
import { DLQ_HEADERS } from '../schemas/speed.js';
import { MINUTE_MS, utcDay } from '../schemas/time.js';
import { extractCashtags } from './cashtags.js';
import { SpeedLayer } from './speed-layer.js';

const T0 = Date.UTC(2025, 0, 6, 14, 30);
const SYMBOLS = ['AAPL', 'TSLA', 'BTC'];
const silent = createLogger('silent');

interface Fixture {
  log: MemoryEventLog;
  views: MemoryViewStore;
  lake: LocalObjectStore;
  dir: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'speed-'));
  const log = new MemoryEventLog({ defaultPartitions: 3 });
  const topics = [TOPICS.tweets, TOPICS.prices].flatMap((t) => [t, deadLetterTopic(t)]);
  await log.createTopics(topics.map((name) => ({ name, partitions: 3 })));
  const views = new MemoryViewStore({ defaultTtlSeconds: 86_400 });
  await views.ensureSchema();
  const lake = await LocalObjectStore.open(dir);
  cleanups.push(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { log, views, lake, dir };
}

const tweet = (id: number, at: number, text: string): OutgoingMessage => ({
  key: String(id),
  value: JSON.stringify({
    id: String(id),
    created_at: new Date(at).toISOString(),
    text,
    user_id: `u${id % 7}`,
  }),
});
const tick = (symbol: string, at: number, price: number): OutgoingMessage => ({
  key: symbol,
  value: JSON.stringify({
    symbol,
    trade_timestamp: new Date(at).toISOString(),
    open_price: price,
    high_price: price + 1,
    low_price: price - 1,
    close_price: price,
    volume: 10,
  }),
});

async function start(f: Fixture, env: Record<string, string> = {}) {
  const config = loadConfig({ LAKE_DIR: f.dir, SPEED_IDLE_TIMEOUT: '1s', ...env });
  const layer = await SpeedLayer.start({
    backends: { eventLog: f.log, viewStore: f.views, objectStore: f.lake },
    config,
    logger: silent,
    checkpointIntervalMs: 50,
  });
  cleanups.unshift(() => layer.stop());
  return layer;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function bronzeRows(f: Fixture, dataset: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for await (const o of f.lake.list(`bronze/${dataset}/`)) {
    if (!parseBronzeObjectKey(o.key)) continue;
    const bytes = (await f.lake.get(o.key)) as Uint8Array;
    rows.push(
      ...tableFromIPC(readParquet(bytes).intoIPCStream())
        .toArray()
        .map((r) => r.toJSON()),
    );
  }
  return rows;
}

async function allRows<R>(f: Fixture, table: string, days: string[]): Promise<R[]> {
  const rows: R[] = [];
  for (const symbol of SYMBOLS)
    for (const day of days)
      rows.push(
        ...(await f.views.query<R & Record<string, unknown>>(table as never, { partition: { symbol, day } })),
      );
  return rows;
}

describe('speed layer on the embedded backends', () => {
  it('writes one bronze row per tweet, one tweets_by_symbol row per (tweet, symbol), and final minutes that add up to the pairs that were not late', async () => {
    const f = await fixture();
    const tweets: OutgoingMessage[] = [];
    const texts = [
      '$AAPL great quarter 😍',
      'selling $TSLA, awful',
      '$BTC and $AAPL flat',
      'no cashtag here',
      '$TSLA $BTC to the moon',
    ];
    let pairs = 0;
    for (let i = 0; i < 600; i++) {
      const text = texts[i % texts.length] as string;
      pairs += extractCashtags(text).length;
      tweets.push(tweet(1_000_000 + i, T0 + i * 500 + ((i * 7919) % 3000), text));
    }
    const ticks: OutgoingMessage[] = [];
    for (let s = 0; s < 300; s++)
      for (const sym of SYMBOLS) ticks.push(tick(sym, T0 + s * 1000, 100 + s / 10));
    // Events ten minutes on, on every partition of both topics, close every window.
    const closing = Array.from({ length: 12 }, (_, i) =>
      tweet(9_000_000 + i, T0 + 20 * MINUTE_MS, 'end of run'),
    );
    for (const sym of SYMBOLS) ticks.push(tick(sym, T0 + 20 * MINUTE_MS, 200));
    await f.log.produce(TOPICS.tweets, [...tweets, ...closing]);
    await f.log.produce(TOPICS.prices, ticks);
    await start(f, { BRONZE_MAX_AGE: '1s' });

    const day = utcDay(T0);
    await until('bronze tweets', async () => (await bronzeRows(f, 'tweets')).length >= 612);
    await until('bronze ticks', async () => (await bronzeRows(f, 'stock_prices')).length >= ticks.length);
    await until('final minutes', async () => {
      const minutes = await allRows<SentimentMinuteRow>(f, TABLES.sentimentByMinute.name, [day]);
      const finalTweets = minutes.filter((m) => m.final).reduce((n, m) => n + m.tweet_count, 0);
      return finalTweets >= pairs;
    });
    const minutes = await allRows<SentimentMinuteRow>(f, TABLES.sentimentByMinute.name, [day]);
    const finalCount = minutes.filter((m) => m.final).reduce((n, m) => n + m.tweet_count, 0);
    const tweetRows = await allRows<TweetBySymbolRow>(f, TABLES.tweetsBySymbol.name, [day]);
    process.stdout.write(
      `speed embedded: pairs ${pairs}, tweets_by_symbol ${tweetRows.length}, final minute tweets ${finalCount}, bronze tweets ${612}, bronze ticks ${ticks.length}\n`,
    );
    expect(finalCount).toBe(pairs);
    const bronze = await bronzeRows(f, 'tweets');
    expect(bronze.length).toBe(612);
    expect(new Set(bronze.map((r) => `${r.source_partition}/${r.source_offset}`)).size).toBe(612);
    expect((await bronzeRows(f, 'stock_prices')).length).toBe(ticks.length);
    expect(tweetRows.length).toBe(pairs);
    expect(tweetRows.filter((r) => r.price_at_tweet !== undefined).length).toBe(pairs);
    // The ticks of each minute: 60 per symbol.
    const full = minutes.filter((m) => m.final && m.minute < T0 + 4 * MINUTE_MS);
    for (const m of full) expect(m.tick_count).toBe(60);
  });

  it('dead-letters each rejection class with its reason, field and origin, and keeps going', async () => {
    const f = await fixture();
    const bad: [string, string][] = [
      ['not json', '$'],
      [JSON.stringify({ id: '1', created_at: 'yesterday', text: 'x', user_id: 'u' }), 'created_at'],
      [
        JSON.stringify({ id: '2', created_at: new Date(T0).toISOString(), text: '   ', user_id: 'u' }),
        'text',
      ],
      [JSON.stringify({ created_at: new Date(T0).toISOString(), text: 'x', user_id: 'u' }), 'id'],
      [
        JSON.stringify({
          id: 3,
          created_at: new Date(T0).toISOString(),
          text: 'x'.repeat(10_001),
          user_id: 'u',
        }),
        'text',
      ],
      [
        JSON.stringify({
          id: '4',
          created_at: new Date(Date.now() + 3_600_000).toISOString(),
          text: '$AAPL',
          user_id: 'u',
        }),
        'created_at',
      ],
    ];
    await f.log.produce(
      TOPICS.tweets,
      bad.map(([value], i) => ({ key: `k${i}`, value, headers: { origin: 'test' } })),
    );
    await f.log.produce(TOPICS.tweets, [tweet(42, T0, 'fine $AAPL')]);
    await f.log.produce(TOPICS.prices, [
      {
        key: 'AAPL',
        value: JSON.stringify({
          symbol: 'AAPL',
          trade_timestamp: new Date(T0).toISOString(),
          open_price: 5,
          high_price: 1,
          low_price: 2,
          close_price: 1,
          volume: 1,
        }),
      },
    ]);
    const layer = await start(f);
    const dlq = await f.log.consumer({
      groupId: 'dlq-reader',
      topics: [deadLetterTopic(TOPICS.tweets), deadLetterTopic(TOPICS.prices)],
      fromBeginning: true,
    });
    const got: import('../infra/kafka/event-log.js').LogMessage[] = [];
    await until('dead letters', async () => {
      got.push(...(await dlq.poll({ maxWaitMs: 100 })));
      return got.length >= bad.length + 1;
    });
    await dlq.close();
    const tweetsDlq = got.filter((m) => m.topic === deadLetterTopic(TOPICS.tweets));
    expect(tweetsDlq.map((m) => m.headers[DLQ_HEADERS.field]).sort()).toEqual(
      bad.map(([, field]) => field).sort(),
    );
    for (const m of tweetsDlq) {
      expect(m.headers.origin).toBe('test');
      expect(m.headers[DLQ_HEADERS.topic]).toBe(TOPICS.tweets);
      expect(Number(m.headers[DLQ_HEADERS.offset])).toBeGreaterThanOrEqual(0);
      expect(m.headers[DLQ_HEADERS.reason]).toBeTruthy();
    }
    expect(tweetsDlq.some((m) => m.headers[DLQ_HEADERS.reason]?.startsWith('future:'))).toBe(true);
    const original = bad.map(([value]) => value).sort();
    expect(tweetsDlq.map((m) => new TextDecoder().decode(m.value)).sort()).toEqual(original);
    const priceDlq = got.filter((m) => m.topic === deadLetterTopic(TOPICS.prices));
    expect(priceDlq[0]?.headers[DLQ_HEADERS.field]).toBe('high_price');
    const counted = await layer.metrics.registry.getSingleMetricAsString('speed_dead_letters_total');
    expect(counted).toContain('reason="future"');
    // The good tweet went through.
    await until(
      'the good tweet',
      async () =>
        (await f.views.query(TABLES.tweetsBySymbol.name, { partition: { symbol: 'AAPL', day: utcDay(T0) } }))
          .length === 1,
    );
  });
});
