/**
 * The API over gold the batch layer really computed (its DuckDB engine on a small bronze), merged
 * with the speed view: the cross-layer check that the gold the API reads is the gold the models
 * write (sentiment_minute, topic_statistics*, trend_analysis_hourly).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../batch-layer/batch-run.js';
import { at, putProgress, putTicks, putTweets, tick, tweet } from '../batch-layer/test-fixture.js';
import { HOUR_MS, MINUTE_MS } from '../schemas/time.js';
import { type TestApi, testApi } from '../serving-api/test-app.js';
import { putSpeedMinutes } from '../serving-api/test-lake.js';

const D = '2026-03-02';
const NOW = at(`${D}T13:40:00Z`);
const iso = (t: number) => new Date(t).toISOString();

let api: TestApi;
beforeAll(async () => {
  api = await testApi(NOW, { API_SYMBOLS: 'AAA' });
  // 10:xx: three tweets (compounds 0.5, -0.5, 0.9), 11:xx: one (0.2), 12:xx: one (-0.4, after the horizon).
  await putTweets(
    api.lake,
    D,
    [
      tweet('t1', `${D}T10:05:00Z`, 0.5, ['AAA']),
      tweet('t2', `${D}T10:05:30Z`, -0.5, ['AAA']),
      tweet('t3', `${D}T10:40:00Z`, 0.9, ['AAA']),
      tweet('t4', `${D}T11:10:00Z`, 0.2, ['AAA']),
      tweet('t5', `${D}T12:15:00Z`, -0.4, ['AAA']),
    ],
    0,
  );
  await putTicks(
    api.lake,
    D,
    [
      tick('AAA', `${D}T10:00:10Z`, 100, 101, 10),
      tick('AAA', `${D}T10:59:00Z`, 103, 104, 1),
      tick('AAA', `${D}T11:30:00Z`, 104, 106, 1),
    ],
    0,
  );
  // Bronze complete to 12:30: the run's horizon is 12:00.
  for (const dataset of ['tweets', 'stock_prices'])
    await putProgress(api.lake, dataset, 0, at(`${D}T12:30:00Z`));
  const manifest = await runBatch({
    store: api.lake,
    cacheDir: mkdtempSync(join(tmpdir(), 'serving-batch-cache-')),
    runId: 'run-real',
  });
  expect(manifest.coveredUntil).toBe(`${D}T12:00:00.000Z`);
  // The speed view holds 11:00 on with 2 tweets a minute: the 11:00 hour must still come from gold.
  await putSpeedMinutes(api.backends.viewStore, 'AAA', at(`${D}T11:00:00Z`), at(`${D}T13:00:00Z`), 2);
});
afterAll(async () => {
  await api.close();
});

describe('the API over gold the batch layer computed', () => {
  it('answers buckets before the horizon from the real gold and the rest from the speed view', async () => {
    const response = await api.app.inject(
      `/v1/symbols/AAA/sentiment?interval=1h&from=${D}T10:00:00Z&to=${D}T13:00:00Z`,
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ boundary: `${D}T12:00:00.000Z`, run_id: 'run-real', gaps: [] });
    expect(body.buckets).toEqual([
      {
        start: `${D}T10:00:00.000Z`,
        source: 'batch',
        tweets: 3,
        mean_compound: expect.closeTo(0.3, 12),
        positive: 2,
        neutral: 0,
        negative: 1,
        open_price: 100,
        close_price: 104,
        price_return: expect.closeTo(0.04, 12),
        final: true,
      },
      expect.objectContaining({ start: `${D}T11:00:00.000Z`, source: 'batch', tweets: 1, open_price: 104 }),
      expect.objectContaining({ start: `${D}T12:00:00.000Z`, source: 'speed', tweets: 120 }),
    ]);
  });

  it('re-aggregates 5-minute buckets from the gold minutes', async () => {
    const response = await api.app.inject(
      `/v1/symbols/AAA/sentiment?interval=5m&from=${D}T10:00:00Z&to=${D}T10:15:00Z`,
    );
    expect(
      response.json().buckets.map((b: { start: string; tweets: number }) => [b.start, b.tweets]),
    ).toEqual([
      [`${D}T10:00:00.000Z`, 0],
      [`${D}T10:05:00.000Z`, 2],
    ]);
  });

  it('answers stats and trend from the real gold tables', async () => {
    const stats = (await api.app.inject('/v1/symbols/AAA/stats?days=1')).json();
    expect(stats.all_time).toMatchObject({ tweets: 5, min_compound: -0.5, max_compound: 0.9 });
    expect(stats.days).toEqual([expect.objectContaining({ date: D, tweets: 5, complete: false })]);
    const trend = (
      await api.app.inject(`/v1/symbols/AAA/trend?from=${iso(at(`${D}T09:00:00Z`))}&to=${iso(NOW)}`)
    ).json();
    expect(
      trend.hours.map((h: { hour: string; mean_compound: number }) => [h.hour, h.mean_compound]),
    ).toEqual([
      [`${D}T10:00:00.000Z`, expect.closeTo(0.3, 12)],
      [`${D}T11:00:00.000Z`, expect.closeTo(0.2, 12)],
    ]);
    expect(trend.hours[1].sentiment_ma_6h).toBeCloseTo(0.25, 12);
  });

  it('answers candles from the same gold minutes', async () => {
    const response = await api.app.inject(
      `/v1/symbols/AAA/candles?interval=1m&from=${D}T10:00:00Z&to=${iso(at(`${D}T10:00:00Z`) + HOUR_MS + MINUTE_MS)}`,
    );
    expect(
      response
        .json()
        .candles.map((c: { start: string; open_price: number; close_price: number }) => [
          c.start.slice(11, 16),
          c.open_price,
          c.close_price,
        ]),
    ).toEqual([
      ['10:00', 100, 101],
      ['10:59', 103, 104],
    ]);
  });
});
