import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import { type TestApi, testApi } from '../test-app.js';
import { goldMinutes, pointLatest, putGoldMinutes, putSpeedMinutes } from '../test-lake.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const B = T0 + 12 * HOUR_MS; // the first run's horizon
const NOW = T0 + 15 * HOUR_MS + 30 * MINUTE_MS;
const iso = (t: number) => new Date(t).toISOString();

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Gold of AAPL with 1 tweet a minute over the whole day (rows after the horizon too), speed with 2 from 09:00. */
async function seeded(env: Record<string, string> = {}) {
  api = await testApi(NOW, env);
  await putGoldMinutes(api.lake, goldMinutes('AAPL', T0, T0 + 16 * HOUR_MS, 1));
  await putSpeedMinutes(api.backends.viewStore, 'AAPL', T0 + 9 * HOUR_MS, NOW, 2);
  return api;
}

async function sentiment(a: TestApi, query: string) {
  const response = await a.app.inject({ method: 'GET', url: `/v1/symbols/AAPL/sentiment?${query}` });
  return { status: response.statusCode, body: response.json() };
}

const summary = (body: { buckets: { start: string; source: string; tweets: number }[] }) =>
  body.buckets.map((b) => [b.start.slice(11, 16), b.source, b.tweets]);

describe('GET /v1/symbols/:symbol/sentiment', () => {
  it('merges gold before the boundary with the speed view after it, saying so per bucket', async () => {
    const a = await seeded();
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const { status, body } = await sentiment(
      a,
      `interval=1h&from=${iso(B - 2 * HOUR_MS)}&to=${iso(B + 2 * HOUR_MS)}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      symbol: 'AAPL',
      interval: '1h',
      boundary: iso(B),
      run_id: 'run-1',
      gaps: [],
    });
    expect(summary(body)).toEqual([
      ['10:00', 'batch', 60],
      ['11:00', 'batch', 60],
      ['12:00', 'speed', 120],
      ['13:00', 'speed', 120],
    ]);
    expect(body.buckets[0]).toMatchObject({
      mean_compound: 0.5,
      positive: 60,
      open_price: 100,
      close_price: 100.5,
    });
    expect(body.buckets[2]).toMatchObject({ open_price: 200, close_price: 200.5, final: true });
  });

  it('answers a repeated query of the same run without reading the lake again', async () => {
    const a = await seeded();
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const query = `interval=5m&from=${iso(B - 3 * HOUR_MS)}&to=${iso(B + HOUR_MS)}`;
    const first = await sentiment(a, query);
    const gets = a.lake.gets;
    expect(gets).toBeGreaterThan(0);
    const second = await sentiment(a, query);
    expect(a.lake.gets).toBe(gets);
    expect(second.body).toEqual(first.body);
  });

  it('moves buckets to gold when a batch run lands between two requests', async () => {
    const a = await seeded();
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const query = `interval=1h&from=${iso(B - HOUR_MS)}&to=${iso(B + 3 * HOUR_MS)}`;
    expect(summary((await sentiment(a, query)).body)).toEqual([
      ['11:00', 'batch', 60],
      ['12:00', 'speed', 120],
      ['13:00', 'speed', 120],
      ['14:00', 'speed', 120],
    ]);
    await pointLatest(a.lake, 'run-2', B + 2 * HOUR_MS, B + 2 * HOUR_MS + 5 * MINUTE_MS);
    a.clock.now += 10_000; // past API_HORIZON_REFRESH
    const { body } = await sentiment(a, query);
    expect(body.run_id).toBe('run-2');
    expect(summary(body)).toEqual([
      ['11:00', 'batch', 60],
      ['12:00', 'batch', 60],
      ['13:00', 'batch', 60],
      ['14:00', 'speed', 120],
    ]);
  });

  it('answers everything from the speed view before the first batch run', async () => {
    const a = await seeded();
    const { body } = await sentiment(a, `interval=1h&from=${iso(B - HOUR_MS)}&to=${iso(B + HOUR_MS)}`);
    expect(body).toMatchObject({ boundary: null, run_id: null, gaps: [] });
    expect(summary(body)).toEqual([
      ['11:00', 'speed', 120],
      ['12:00', 'speed', 120],
    ]);
  });

  it('reports the hours neither view holds as a gap when the batch is behind by more than the speed TTL', async () => {
    // The speed view keeps 2 hours: from 13:30 on. The batch stopped at 12:00.
    const a = await seeded({ SPEED_VIEW_TTL: '2h', BATCH_CRON: '*/5 * * * *' });
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const { body } = await sentiment(a, `interval=1h&from=${iso(B - HOUR_MS)}&to=${iso(NOW)}`);
    expect(body.gaps).toEqual([
      { from: iso(B), to: iso(B + 2 * HOUR_MS), reason: expect.stringMatching(/TTL/) },
    ]);
    expect(summary(body)).toEqual([
      ['11:00', 'batch', 60],
      ['14:00', 'speed', 120],
      ['15:00', 'speed', 60],
    ]);
  });

  it('answers a day straddling the boundary from the speed view while it holds the day', async () => {
    const a = await seeded();
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    await putSpeedMinutes(a.backends.viewStore, 'AAPL', T0, T0 + 9 * HOUR_MS, 2);
    const { body } = await sentiment(a, `interval=1d&from=${iso(T0)}&to=${iso(T0 + DAY_MS)}`);
    expect(summary(body)).toEqual([['00:00', 'speed', 2 * (15 * 60 + 30)]]);
    expect(body.buckets[0].covered_until).toBeUndefined();
  });

  it('re-aggregates a straddling day from gold minutes before the boundary once the speed view lost its start', async () => {
    const a = await seeded({ SPEED_VIEW_TTL: '6h', BATCH_CRON: '*/5 * * * *' });
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const { body } = await sentiment(a, `interval=1d&from=${iso(T0)}&to=${iso(T0 + DAY_MS)}`);
    expect(summary(body)).toEqual([['00:00', 'batch', 12 * 60]]);
    expect(body.buckets[0]).toMatchObject({ covered_until: iso(B), mean_compound: 0.5 });
  });

  it('answers candles from the same merge', async () => {
    const a = await seeded();
    await pointLatest(a.lake, 'run-1', B, B + 5 * MINUTE_MS);
    const response = await a.app.inject(
      `/v1/symbols/AAPL/candles?interval=5m&from=${iso(B - 10 * MINUTE_MS)}&to=${iso(B + 10 * MINUTE_MS)}`,
    );
    expect(response.statusCode).toBe(200);
    const candles = response.json().candles;
    expect(
      candles.map((c: { source: string; open_price: number; trades: number }) => [
        c.source,
        c.open_price,
        c.trades,
      ]),
    ).toEqual([
      ['batch', 100, 5],
      ['batch', 100, 5],
      ['speed', 200, 5],
      ['speed', 200, 5],
    ]);
    expect(candles[0]).toMatchObject({ high_price: 101, low_price: 99, close_price: 100.5, volume: 50 });
  });
});
