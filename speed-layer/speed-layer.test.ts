import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryViewStore } from '../infra/cassandra/memory-view-store.js';
import type { ViewStore } from '../infra/cassandra/view-store.js';
import { loadConfig } from '../infra/config.js';
import type { LogMessage, OutgoingMessage } from '../infra/kafka/event-log.js';
import { MemoryEventLog } from '../infra/kafka/memory-event-log.js';
import { LocalObjectStore } from '../infra/lake/local-object-store.js';
import { createLogger } from '../infra/logger.js';
import { BackendUnavailableError } from '../infra/retry.js';
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

async function start(
  f: Fixture,
  env: Record<string, string> = {},
  viewStore: ViewStore = f.views,
  checkpointIntervalMs = 50,
) {
  const config = loadConfig({ LAKE_DIR: f.dir, SPEED_IDLE_TIMEOUT: '1s', ...env });
  const layer = await SpeedLayer.start({
    backends: { eventLog: f.log, viewStore, objectStore: f.lake },
    config,
    logger: silent,
    checkpointIntervalMs,
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

/**
 * 600 tweets over five minutes (a mix of cashtags, out-of-order within 3 s), a tick a second per
 * symbol, and events twenty minutes on that close every window. Returns the (tweet, symbol) pairs.
 */
async function produceFeed(f: Fixture, chunks = 1): Promise<{ pairs: number; ticks: OutgoingMessage[] }> {
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
  for (let s = 0; s < 300; s++) for (const sym of SYMBOLS) ticks.push(tick(sym, T0 + s * 1000, 100 + s / 10));
  const closing = Array.from({ length: 12 }, (_, i) =>
    tweet(9_000_000 + i, T0 + 20 * MINUTE_MS, 'end of run'),
  );
  for (const sym of SYMBOLS) ticks.push(tick(sym, T0 + 20 * MINUTE_MS, 200));
  // In chunks, with pauses, the stages see the feed in many batches (and rows in many versions).
  const all = [...tweets, ...closing];
  for (let c = 0; c < chunks; c++) {
    const part = (xs: OutgoingMessage[]) =>
      xs.slice((c * xs.length) / chunks, ((c + 1) * xs.length) / chunks);
    await f.log.produce(TOPICS.tweets, part(all));
    await f.log.produce(TOPICS.prices, part(ticks));
    if (chunks > 1) await new Promise((r) => setTimeout(r, 25));
  }
  return { pairs, ticks };
}

describe('speed layer on the embedded backends', () => {
  it('writes one bronze row per tweet, one tweets_by_symbol row per (tweet, symbol), and final minutes that add up to the pairs that were not late', async () => {
    const f = await fixture();
    const { pairs, ticks } = await produceFeed(f);
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

  it('ends with the same rows when the sink writes of batches in flight together land out of order', async () => {
    const day = utcDay(T0);
    const finalViews = async (delayed: boolean) => {
      const f = await fixture();
      // Every other upsert of a table waits 150 ms: a later batch's rows land before an earlier one's.
      const calls = new Map<string, number>();
      const shuffling: ViewStore = Object.create(f.views, {
        upsert: {
          value: async (...args: Parameters<ViewStore['upsert']>) => {
            const n = calls.get(args[0]) ?? 0;
            calls.set(args[0], n + 1);
            await new Promise((r) => setTimeout(r, n % 2 === 0 ? 150 : 0));
            return f.views.upsert(...args);
          },
        },
      });
      // Checkpoints (which wait for every write in flight) far apart: batches overlap in between.
      await start(f, { BRONZE_MAX_AGE: '1s' }, delayed ? shuffling : f.views, 60_000);
      const { pairs } = await produceFeed(f, 40);
      await until('final minutes', async () => {
        const minutes = await allRows<SentimentMinuteRow>(f, TABLES.sentimentByMinute.name, [day]);
        return minutes.filter((m) => m.final).reduce((n, m) => n + m.tweet_count, 0) >= pairs;
      });
      await until('every tweet priced', async () => {
        const rows = await allRows<TweetBySymbolRow>(f, TABLES.tweetsBySymbol.name, [day]);
        return rows.length === pairs && rows.every((r) => r.price_at_tweet !== undefined);
      });
      await new Promise((r) => setTimeout(r, 300));
      const strip = ({ updated_at: _, ...rest }: SentimentMinuteRow) => rest;
      const minutes = (await allRows<SentimentMinuteRow>(f, TABLES.sentimentByMinute.name, [day])).map(strip);
      const tweets = await allRows<TweetBySymbolRow>(f, TABLES.tweetsBySymbol.name, [day]);
      return {
        minutes,
        prices: tweets.map((r) => [r.id, r.symbol, r.price_at_tweet, r.price_tick_at, r.late]),
      };
    };
    const inOrder = await finalViews(false);
    const shuffled = await finalViews(true);
    process.stdout.write(
      `speed embedded, writes landing out of order: ${shuffled.minutes.length} minute rows and ${shuffled.prices.length} prices compared\n`,
    );
    expect(shuffled.minutes).toEqual(inOrder.minutes);
    expect(shuffled.prices).toEqual(inOrder.prices);
  }, 60_000);

  it('a restarted layer takes its pending prices from the checkpoint segments and ends with every tweet priced once', async () => {
    const f = await fixture();
    const day = utcDay(T0);
    // Ticks stop one minute in: the mentions after that wait for their final price past the stop.
    const first = await start(f, { BRONZE_MAX_AGE: '1s' });
    const tweets = Array.from({ length: 300 }, (_, i) =>
      tweet(3_000_000 + i, T0 + i * 400, '$AAPL and $TSLA'),
    );
    await f.log.produce(TOPICS.tweets, tweets);
    await f.log.produce(
      TOPICS.prices,
      Array.from({ length: 60 }, (_, s) =>
        ['AAPL', 'TSLA'].map((sym) => tick(sym, T0 + s * 1000, 50 + s)),
      ).flat(),
    );
    await until(
      'every tweet row',
      async () => (await allRows(f, TABLES.tweetsBySymbol.name, [day])).length >= 600,
    );
    await first.stop();
    const checkpoints = [];
    for await (const o of f.lake.list('_speed/checkpoints/')) checkpoints.push(o.key);
    const segments = checkpoints.filter((k) => /symbols-p\d+\.pending-\d+\.json$/.test(k));
    process.stdout.write(`speed embedded restart: ${segments.length} pending segments in the lake\n`);
    expect(segments.length).toBeGreaterThan(0);
    // The rest of the ticks and an event far on close everything; the second layer prices the rest.
    const rest = Array.from({ length: 240 }, (_, s) =>
      ['AAPL', 'TSLA'].map((sym) => tick(sym, T0 + (60 + s) * 1000, 200 + s)),
    ).flat();
    await f.log.produce(TOPICS.prices, [
      ...rest,
      ...['AAPL', 'TSLA'].map((sym) => tick(sym, T0 + 20 * MINUTE_MS, 1)),
    ]);
    await f.log.produce(
      TOPICS.tweets,
      Array.from({ length: 12 }, (_, i) => tweet(9_100_000 + i, T0 + 20 * MINUTE_MS, 'end of run')),
    );
    await start(f, { BRONZE_MAX_AGE: '1s' });
    const settled = async () => {
      const rows = await allRows<TweetBySymbolRow>(f, TABLES.tweetsBySymbol.name, [day]);
      const minutes = await allRows<SentimentMinuteRow>(f, TABLES.sentimentByMinute.name, [day]);
      return { rows, finalTweets: minutes.filter((m) => m.final).reduce((n, m) => n + m.tweet_count, 0) };
    };
    await until('final minutes', async () => (await settled()).finalTweets >= 600);
    await new Promise((r) => setTimeout(r, 300));
    const { rows, finalTweets } = await settled();
    // The final price of a tweet is the close of the last tick at or before it: 50 + s, or 200 + (s - 60).
    const expected = (at: number) => {
      const s = Math.floor((at - T0) / 1000);
      return s < 60 ? 50 + s : 200 + (s - 60);
    };
    const wrong = rows.filter((r) => r.price_at_tweet !== expected(r.created_at));
    process.stdout.write(
      `speed embedded restart: ${rows.length} tweets_by_symbol rows, ${wrong.length} with another price, final minute tweets ${finalTweets}\n`,
    );
    expect(rows).toHaveLength(600);
    expect(wrong).toEqual([]);
    expect(finalTweets).toBe(600);
  }, 60_000);

  it('ends with BackendDownError naming cassandra when every write fails past BACKEND_DOWN_DEADLINE, though batches go on being handed to the write pipeline', async () => {
    const f = await fixture();
    const down: ViewStore = Object.create(f.views, {
      upsert: {
        value: () =>
          Promise.reject(new BackendUnavailableError('cassandra', 'upsert', { cause: new Error('down') })),
      },
    });
    await produceFeed(f);
    // Checkpoints far apart: between them the stages' batches "succeed" without their writes.
    const layer = await start(f, { BACKEND_DOWN_DEADLINE: '2s' }, down, 60_000);
    const outcome = await Promise.race([
      layer.finished().then(
        () => 'finished',
        (error: Error) => error,
      ),
      new Promise((r) => setTimeout(() => r('still running after 20 s'), 20_000)),
    ]);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('BackendDownError');
    expect((outcome as Error).message).toMatch(/cassandra/);
  }, 30_000);

  it('reads a batch again after a failed write, from the commit when there is no checkpoint yet: nothing is lost', async () => {
    const f = await fixture();
    // The first upserts fail as a lost server would; the stages rebuild their tasks and retry.
    let failures = 3;
    const flaky: ViewStore = Object.create(f.views, {
      upsert: {
        value: (...args: Parameters<ViewStore['upsert']>) => {
          if (failures-- > 0)
            return Promise.reject(
              new BackendUnavailableError('cassandra', 'upsert', { cause: new Error('down') }),
            );
          return f.views.upsert(...args);
        },
      },
    });
    const tweets = Array.from({ length: 200 }, (_, i) =>
      tweet(2_000_000 + i, T0 + i * 100, '$AAPL and $TSLA'),
    );
    await f.log.produce(TOPICS.tweets, tweets);
    await start(f, {}, flaky);
    const day = utcDay(T0);
    await until(
      'every (tweet, symbol) row',
      async () => (await allRows(f, TABLES.tweetsBySymbol.name, [day])).length >= 400,
    );
    const rows = await allRows<TweetBySymbolRow>(f, TABLES.tweetsBySymbol.name, [day]);
    expect(failures).toBeLessThan(0);
    expect(rows).toHaveLength(400);
    expect(rows.every((r) => r.text === '$AAPL and $TSLA')).toBe(true);
  }, 30_000);

  it('dead-letters every rejection class of both topics with its original bytes, reason, field and origin, and keeps going', async () => {
    const f = await fixture();
    const at = new Date(T0).toISOString();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const json = (o: object) => JSON.stringify(o);
    const tw = (o: object) => json({ id: '7', created_at: at, text: 'x', user_id: 'u', ...o });
    const tk = (o: object) =>
      json({
        symbol: 'AAPL',
        trade_timestamp: at,
        open_price: 2,
        high_price: 3,
        low_price: 1,
        close_price: 2,
        volume: 1,
        ...o,
      });
    const invalidUtf8 = Uint8Array.from([
      ...Buffer.from('{"id":"8","created_at":"'),
      ...Buffer.from(at),
      ...Buffer.from('","text":"'),
      0xff,
      ...Buffer.from('","user_id":"u"}'),
    ]);
    // [what, value, field, reason contains]
    const badTweets: [string, string | Uint8Array, string, string][] = [
      ['not JSON', 'not json', '$', 'not valid JSON'],
      ['not an object', '[1,2]', '$', 'expected a JSON object'],
      ['invalid UTF-8', invalidUtf8, '$', 'UTF-8'],
      ['missing field', json({ created_at: at, text: 'x', user_id: 'u' }), 'id', 'missing'],
      ['wrong type', tw({ text: 5 }), 'text', 'wrong type'],
      [
        'unsafe integer id',
        `{"id":12345678901234567890,"created_at":"${at}","text":"x","user_id":"u"}`,
        'id',
        '',
      ],
      ['empty text', tw({ text: '   ' }), 'text', 'empty'],
      ['text too long', tw({ text: 'x'.repeat(10_001) }), 'text', 'longer than'],
      ['unparseable time', tw({ created_at: 'yesterday' }), 'created_at', 'unparseable'],
      ['future', tw({ created_at: later, text: '$AAPL' }), 'created_at', 'future:'],
    ];
    const badTicks: [string, string, string, string][] = [
      [
        'high below low',
        tk({ high_price: 1, low_price: 2, open_price: 1, close_price: 1 }),
        'high_price',
        'below',
      ],
      ['non-finite', tk({ volume: 1 }).replace('"volume":1', '"volume":1e999'), 'volume', 'finite'],
      ['negative', tk({ volume: -1 }), 'volume', 'negative'],
      ['open outside the range', tk({ open_price: 9 }), 'open_price', 'outside'],
      ['unparseable time', tk({ trade_timestamp: 'noon' }), 'trade_timestamp', 'unparseable'],
      ['future', tk({ trade_timestamp: later }), 'trade_timestamp', 'future:'],
    ];
    await f.log.produce(
      TOPICS.tweets,
      badTweets.map(([, value], i) => ({ key: `k${i}`, value, headers: { origin: 'test' } })),
    );
    await f.log.produce(TOPICS.tweets, [tweet(42, T0, 'fine $AAPL')]);
    await f.log.produce(
      TOPICS.prices,
      badTicks.map(([, value]) => ({ key: 'AAPL', value })),
    );
    const layer = await start(f);
    const dlq = await f.log.consumer({
      groupId: 'dlq-reader',
      topics: [deadLetterTopic(TOPICS.tweets), deadLetterTopic(TOPICS.prices)],
      fromBeginning: true,
    });
    const got: LogMessage[] = [];
    await until('dead letters', async () => {
      got.push(...(await dlq.poll({ maxWaitMs: 100 })));
      return got.length >= badTweets.length + badTicks.length;
    });
    await dlq.close();
    for (const [topic, cases] of [
      [TOPICS.tweets, badTweets],
      [TOPICS.prices, badTicks],
    ] as const) {
      const letters = got.filter((m) => m.topic === deadLetterTopic(topic));
      expect(letters).toHaveLength(cases.length);
      for (const [what, value, field, reason] of cases) {
        const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
        const letter = letters.find((m) => Buffer.compare(Buffer.from(m.value), Buffer.from(bytes)) === 0);
        expect(letter, `${topic}: ${what}`).toBeDefined();
        expect(letter?.headers[DLQ_HEADERS.field], `${topic}: ${what}`).toBe(field);
        expect(letter?.headers[DLQ_HEADERS.reason], `${topic}: ${what}`).toContain(reason);
        expect(letter?.headers[DLQ_HEADERS.topic]).toBe(topic);
        expect(Number(letter?.headers[DLQ_HEADERS.offset])).toBeGreaterThanOrEqual(0);
        expect(Number.isNaN(Date.parse(letter?.headers[DLQ_HEADERS.time] ?? ''))).toBe(false);
      }
    }
    for (const m of got.filter((m) => m.topic === deadLetterTopic(TOPICS.tweets)))
      expect(m.headers.origin).toBe('test');
    const counted = await layer.metrics.registry.getSingleMetricAsString('speed_dead_letters_total');
    expect(counted).toContain('topic="tweets",reason="decode"} 9');
    expect(counted).toContain('topic="tweets",reason="future"} 1');
    expect(counted).toContain('topic="stock-prices",reason="decode"} 5');
    // The good tweet went through.
    await until(
      'the good tweet',
      async () =>
        (await f.views.query(TABLES.tweetsBySymbol.name, { partition: { symbol: 'AAPL', day: utcDay(T0) } }))
          .length === 1,
    );
  });
});
