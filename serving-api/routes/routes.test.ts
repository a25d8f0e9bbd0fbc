import { afterEach, describe, expect, it } from 'vitest';
import { encodeParquet } from '../../infra/lake/parquet-writer.js';
import { GoldTopicStatisticsRowSchema, GoldTrendHourlyRowSchema } from '../../schemas/gold.js';
import { goldObjectKey } from '../../schemas/lake.js';
import type { TweetBySymbolRow } from '../../schemas/rows.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, utcDay } from '../../schemas/time.js';
import { type TestApi, testApi } from '../test-app.js';
import {
  goldMinute,
  goldMinutes,
  pointLatest,
  putAllTimeStatistics,
  putGoldMinutes,
  putSpeedMinutes,
  speedMinute,
} from '../test-lake.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const B = T0 + 12 * HOUR_MS;
const NOW = T0 + 15 * HOUR_MS + 30 * MINUTE_MS;
const iso = (t: number) => new Date(t).toISOString();

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function started(...args: Parameters<typeof testApi>): Promise<TestApi> {
  api = await testApi(...args);
  return api;
}

const get = async (a: TestApi, url: string) => {
  const response = await a.app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json() };
};

function tweetRow(symbol: string, at: number, id: string, compound: number): TweetBySymbolRow {
  return {
    symbol,
    day: utcDay(at),
    created_at: at,
    id,
    text: `tweet ${id}`,
    user_id: 'u1',
    compound,
    pos: 0.5,
    neu: 0.5,
    neg: 0,
    label: compound >= 0.05 ? 'positive' : compound <= -0.05 ? 'negative' : 'neutral',
    price_at_tweet: 101.5,
  };
}

const stats = (symbol: string, tweets: number) => ({
  symbol,
  tweets,
  mean_compound: 0.25,
  stddev_compound: 0.1,
  p50_compound: 0.2,
  p95_compound: 0.6,
  min_compound: -0.5,
  max_compound: 0.9,
  sentiment_volatility: 0.05,
  price_volatility: 0.001,
});

describe('GET /v1/symbols and tweets', () => {
  it('lists tracked symbols and those in gold, with the latest tweet, price and 24-hour count', async () => {
    const a = await started(NOW, { API_SYMBOLS: 'AAPL,TSLA' });
    await putAllTimeStatistics(a.lake, [stats('AAPL', 10), stats('ZZZ', 3)]);
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    await putGoldMinutes(a.lake, goldMinutes('AAPL', B - 2 * HOUR_MS, B, 1));
    await putSpeedMinutes(a.backends.viewStore, 'AAPL', B, B + 30 * MINUTE_MS, 2);
    await a.backends.viewStore.upsert('tweets_by_symbol', [tweetRow('AAPL', NOW - 5 * MINUTE_MS, 'x1', 0.4)]);
    await a.backends.viewStore.upsert('market_data', [
      {
        symbol: 'AAPL',
        day: utcDay(NOW),
        trade_timestamp: NOW - MINUTE_MS,
        open_price: 1,
        high_price: 2,
        low_price: 0.5,
        close_price: 1.5,
        volume: 3,
      },
    ]);
    const { status, body } = await get(a, '/v1/symbols');
    expect(status).toBe(200);
    expect(body.run_id).toBe('run-1');
    expect(body.symbols.map((s: { symbol: string }) => s.symbol)).toEqual(['AAPL', 'TSLA', 'ZZZ']);
    expect(body.symbols[0]).toEqual({
      symbol: 'AAPL',
      last_tweet_at: iso(NOW - 5 * MINUTE_MS),
      last_price: 1.5,
      last_price_at: iso(NOW - MINUTE_MS),
      tweets_24h: 120 + 60,
      tweets_24h_complete: true,
    });
    expect(body.symbols[1]).toMatchObject({ symbol: 'TSLA', last_tweet_at: null, tweets_24h: 0 });
    // A symbol known only to gold is known: its routes answer.
    expect((await get(a, '/v1/symbols/zzz/sentiment')).status).toBe(200);
  });

  it('pages the latest tweets newest first across day partitions, each tweet once', async () => {
    const a = await started(NOW);
    const rows = Array.from({ length: 25 }, (_, i) => tweetRow('TSLA', NOW - i * 2 * HOUR_MS, `t${i}`, 0.1));
    await a.backends.viewStore.upsert('tweets_by_symbol', rows);
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const { status, body } = await get(
        a,
        `/v1/symbols/TSLA/tweets?limit=7${next ? `&before=${encodeURIComponent(next)}` : ''}`,
      );
      expect(status).toBe(200);
      expect(body.tweets.length).toBeLessThanOrEqual(7);
      seen.push(...body.tweets.map((t: { id: string }) => t.id));
      next = body.next;
      pages++;
    } while (next && pages < 10);
    // 25 tweets two hours apart span three UTC days; the speed window (48 h + a day) holds 25 of them.
    expect(seen).toEqual(rows.map((r) => r.id));
    expect(pages).toBe(4);
    const first = (await get(a, '/v1/symbols/TSLA/tweets?limit=1')).body.tweets[0];
    expect(first).toEqual({
      id: 't0',
      created_at: iso(NOW),
      text: 'tweet t0',
      user_id: 'u1',
      compound: 0.1,
      pos: 0.5,
      neu: 0.5,
      neg: 0,
      label: 'positive',
      price_at_tweet: 101.5,
      late: false,
    });
  });
});

describe('analytics routes', () => {
  async function seeded() {
    const a = await started(NOW, { API_SYMBOLS: 'AAPL,TSLA' });
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    await putAllTimeStatistics(a.lake, [stats('AAPL', 10)]);
    await a.lake.put(
      goldObjectKey('topic_statistics', utcDay(T0)),
      encodeParquet(GoldTopicStatisticsRowSchema, [stats('AAPL', 4), stats('TSLA', 2)]),
    );
    await a.lake.put(
      goldObjectKey('topic_statistics', utcDay(T0 - DAY_MS)),
      encodeParquet(GoldTopicStatisticsRowSchema, [stats('AAPL', 6)]),
    );
    await a.lake.put(
      goldObjectKey('trend_analysis_hourly', utcDay(T0)),
      encodeParquet(
        GoldTrendHourlyRowSchema,
        Array.from({ length: 14 }, (_, h) => ({
          symbol: 'AAPL',
          hour: T0 + h * HOUR_MS,
          mean_compound: h / 10,
          close_price: 100 + h,
          sentiment_ma_6h: 0.3,
          sentiment_ma_24h: 0.2,
          price_ma_6h: 101,
          // The 24-hour price mean left out: a column without a value reads as null.
        })),
      ),
    );
    return a;
  }

  it('answers trend from gold hours before the boundary only', async () => {
    const a = await seeded();
    const { status, body } = await get(
      a,
      `/v1/symbols/AAPL/trend?from=${iso(B - 3 * HOUR_MS)}&to=${iso(NOW)}`,
    );
    expect(status).toBe(200);
    expect(body.hours.map((h: { hour: string }) => h.hour.slice(11, 13))).toEqual(['09', '10', '11']);
    expect(body.hours[0]).toEqual({
      hour: iso(B - 3 * HOUR_MS),
      source: 'batch',
      mean_compound: 0.9,
      close_price: 109,
      sentiment_ma_6h: 0.3,
      sentiment_ma_24h: 0.2,
      price_ma_6h: 101,
      price_ma_24h: null,
    });
  });

  it('answers stats all time and per day, latest day first, saying which days are complete', async () => {
    const a = await seeded();
    const { status, body } = await get(a, '/v1/symbols/AAPL/stats?days=3');
    expect(status).toBe(200);
    expect(body.all_time).toMatchObject({ tweets: 10, p95_compound: 0.6 });
    expect(
      body.days.map((d: { date: string; tweets: number; complete: boolean }) => [
        d.date,
        d.tweets,
        d.complete,
      ]),
    ).toEqual([
      [utcDay(T0), 4, false],
      [utcDay(T0 - DAY_MS), 6, true],
    ]);
  });

  it('pivots hourly means per symbol across the boundary', async () => {
    const a = await seeded();
    await putGoldMinutes(a.lake, goldMinutes('AAPL', B - HOUR_MS, B, 1, 0.25));
    await putSpeedMinutes(a.backends.viewStore, 'TSLA', B, B + 10 * MINUTE_MS, 1);
    const { status, body } = await get(a, `/v1/pivot/hourly?date=${utcDay(T0)}`);
    expect(status).toBe(200);
    expect(body.symbols).toEqual(['AAPL', 'TSLA']);
    expect(body.hours).toEqual([
      { hour: iso(B - HOUR_MS), source: 'batch', values: { AAPL: 0.25, TSLA: null } },
      { hour: iso(B), source: 'speed', values: { AAPL: null, TSLA: 0.5 } },
    ]);
  });

  it('correlates hourly sentiment with returns over the merged series', async () => {
    const a = await seeded();
    // Hours 08..11 in gold, 12..15 in the speed view: compound and return move together.
    const gold = [];
    for (let h = 8; h < 12; h++) {
      const at = T0 + h * HOUR_MS;
      gold.push({ ...goldMinute('AAPL', at, 1, h / 20), open_price: 100, close_price: 100 + h });
    }
    await putGoldMinutes(a.lake, gold);
    const speed = [];
    for (let h = 12; h < 16; h++) {
      const at = T0 + h * HOUR_MS;
      speed.push({ ...speedMinute('AAPL', at, 1, h / 20), open_price: 100, close_price: 100 + h });
    }
    await a.backends.viewStore.upsert('sentiment_by_minute', speed);
    const { status, body } = await get(
      a,
      `/v1/correlation?symbol=aapl&from=${iso(T0)}&to=${iso(T0 + 16 * HOUR_MS)}`,
    );
    expect(status).toBe(200);
    expect(body.results).toHaveLength(1);
    expect(body.results[0]).toMatchObject({
      symbol: 'AAPL',
      same_hour_hours: 8,
      batch_hours: 4,
      speed_hours: 4,
      next_hour_hours: 7,
    });
    expect(body.results[0].corr_same_hour).toBeCloseTo(1, 9);
  });
});

describe('operations', () => {
  it('is ready with every backend answering and names the batch run and its age', async () => {
    const a = await started(NOW);
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const { status, body } = await get(a, '/ready');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'ready',
      backends: { viewStore: { ok: true }, objectStore: { ok: true }, eventLog: { ok: true } },
      batch: { run_id: 'run-1', covered_until: iso(B), age_seconds: (NOW - B - 5 * MINUTE_MS) / 1000 },
      problems: [],
    });
  });

  it('is not ready when the latest batch run is older than the speed view TTL', async () => {
    const a = await started(NOW);
    await pointLatest(a.lake, 'run-old', B - 3 * DAY_MS, B - 3 * DAY_MS);
    const { status, body } = await get(a, '/ready');
    expect(status).toBe(503);
    expect(body.status).toBe('not ready');
    expect(body.problems).toEqual([expect.stringMatching(/^batch: the latest run run-old .*SPEED_VIEW_TTL/)]);
  });

  it('counts requests per route and status in /metrics', async () => {
    const a = await started(NOW);
    await get(a, '/v1/symbols/AAPL/sentiment');
    await get(a, '/v1/symbols/AAPL/sentiment?interval=2m');
    const response = await a.app.inject('/metrics');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/plain/);
    expect(response.body).toContain(
      'api_http_requests_total{method="GET",route="/v1/symbols/:symbol/sentiment",status="200"} 1',
    );
    expect(response.body).toContain(
      'api_http_requests_total{method="GET",route="/v1/symbols/:symbol/sentiment",status="400"} 1',
    );
    expect(response.body).toMatch(
      /api_http_request_duration_seconds_bucket\{le="[^"]+",method="GET",route="\/v1\/symbols\/:symbol\/sentiment"\}/,
    );
  });
});
