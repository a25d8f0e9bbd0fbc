import { afterEach, describe, expect, it } from 'vitest';
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import type { AlertList } from '../../schemas/api.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import { alertRow, BEARISH_RULE, BULLISH_RULE, putAlerts } from '../alerts/test-alerts.js';
import { type TestApi, testApi } from '../test-app.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const NOW = T0 + 15 * HOUR_MS + 30 * MINUTE_MS;
const iso = (t: number) => new Date(t).toISOString();

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function started(env: Record<string, string> = {}, adjust?: Parameters<typeof testApi>[2]) {
  api = await testApi(NOW, { API_SYMBOLS: 'AAPL,TSLA', ...env }, adjust);
  return api;
}

async function alerts(a: TestApi, query: string): Promise<AlertList> {
  const response = await a.app.inject({ method: 'GET', url: `/v1/alerts${query}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

const ids = (list: AlertList) => list.alerts.map((a) => `${a.symbol}@${a.opened_at.slice(11, 16)}`);

describe('GET /v1/alerts', () => {
  it('answers the alerts opened in [from, to), newest first, with ISO times and closed_at null while open', async () => {
    const a = await started();
    const from = T0 + 10 * HOUR_MS;
    const to = T0 + 12 * HOUR_MS;
    await putAlerts(a.backends.viewStore, [
      // Opened before `from` and still open: not an alert of this range (documented).
      alertRow('AAPL', from - MINUTE_MS),
      alertRow('AAPL', from),
      alertRow('AAPL', from + HOUR_MS, { closedAt: from + HOUR_MS + 9 * MINUTE_MS }),
      alertRow('AAPL', to - MINUTE_MS, { rule: BULLISH_RULE }),
      alertRow('AAPL', to),
    ]);
    const list = await alerts(a, `?symbol=aapl&from=${iso(from)}&to=${iso(to)}`);
    expect(list).toMatchObject({ from: iso(from), to: iso(to), symbols: ['AAPL'], truncated: false });
    expect(ids(list)).toEqual(['AAPL@11:59', 'AAPL@11:00', 'AAPL@10:00']);
    expect(list.alerts[0]).toMatchObject({
      alert_id: `${BULLISH_RULE}:AAPL:2026-03-02T11:59Z`,
      rule: BULLISH_RULE,
      direction: 'bullish',
      status: 'open',
      closed_at: null,
      opened_at: iso(to - MINUTE_MS),
      window_start: iso(to - 5 * MINUTE_MS),
      window_end: iso(to),
      tweet_count: 12,
      mean_compound: 0.62,
      price_change: 0.025,
    });
    expect(list.alerts[1]).toMatchObject({
      status: 'closed',
      closed_at: iso(from + HOUR_MS + 9 * MINUTE_MS),
    });
  });

  it('shows an alert once, as its latest upsert: opened, then closed', async () => {
    const a = await started();
    const at = NOW - HOUR_MS;
    await putAlerts(a.backends.viewStore, [alertRow('TSLA', at)]);
    expect((await alerts(a, '?symbol=TSLA')).alerts.map((x) => x.status)).toEqual(['open']);
    await putAlerts(a.backends.viewStore, [alertRow('TSLA', at, { closedAt: at + 12 * MINUTE_MS })]);
    const list = await alerts(a, '?symbol=TSLA');
    expect(list.alerts.map((x) => [x.status, x.closed_at])).toEqual([['closed', iso(at + 12 * MINUTE_MS)]]);
  });

  it('reads the last 24 hours by default, across the day partitions they touch', async () => {
    const a = await started();
    await putAlerts(a.backends.viewStore, [
      alertRow('AAPL', NOW - 25 * HOUR_MS),
      // The previous UTC day's partition.
      alertRow('AAPL', NOW - 23 * HOUR_MS),
      alertRow('AAPL', NOW - MINUTE_MS),
    ]);
    const list = await alerts(a, '?symbol=AAPL');
    expect(list.from).toBe(iso(NOW - DAY_MS));
    expect(list.to).toBe(iso(NOW));
    expect(list.alerts.map((x) => x.opened_at)).toEqual([iso(NOW - MINUTE_MS), iso(NOW - 23 * HOUR_MS)]);
  });

  it('reads every tracked symbol without `symbol`, merged newest first; another symbol only when asked for', async () => {
    const a = await started();
    await putAlerts(a.backends.viewStore, [
      alertRow('AAPL', NOW - 3 * HOUR_MS),
      alertRow('TSLA', NOW - 2 * HOUR_MS),
      alertRow('AAPL', NOW - HOUR_MS),
      alertRow('TSLA', NOW - HOUR_MS),
      alertRow('BTC', NOW - 30 * MINUTE_MS),
    ]);
    const all = await alerts(a, '');
    expect(all.symbols).toEqual(['AAPL', 'TSLA']);
    expect(ids(all)).toEqual(['AAPL@14:30', 'TSLA@14:30', 'TSLA@13:30', 'AAPL@12:30']);
    expect(ids(await alerts(a, '?symbol=btc'))).toEqual(['BTC@15:00']);
    // A well-formed symbol without alerts is an empty answer, not a 404.
    expect((await alerts(a, '?symbol=QQQQ')).alerts).toEqual([]);
  });

  it('filters by rule and by status, reading past the rows it drops; an unknown rule answers none', async () => {
    const a = await started();
    const rows = [];
    // The newest 30 are bullish; the bearish ones come after them in the table's order.
    for (let i = 0; i < 30; i++)
      rows.push(alertRow('AAPL', NOW - (i + 1) * MINUTE_MS, { rule: BULLISH_RULE }));
    rows.push(alertRow('AAPL', NOW - 2 * HOUR_MS, { closedAt: NOW - HOUR_MS }));
    rows.push(alertRow('AAPL', NOW - 3 * HOUR_MS));
    await putAlerts(a.backends.viewStore, rows);
    const bearish = await alerts(a, `?symbol=AAPL&rule=${BEARISH_RULE}&limit=2`);
    expect(ids(bearish)).toEqual(['AAPL@13:30', 'AAPL@12:30']);
    expect(bearish.truncated).toBe(false);
    const closed = await alerts(a, '?symbol=AAPL&status=closed');
    expect(ids(closed)).toEqual(['AAPL@13:30']);
    const openBearish = await alerts(a, `?symbol=AAPL&rule=${BEARISH_RULE}&status=open&limit=1`);
    expect(ids(openBearish)).toEqual(['AAPL@12:30']);
    expect((await alerts(a, '?rule=no-such-rule')).alerts).toEqual([]);
  });

  it('answers at most `limit` alerts (default 100) and says when more matched', async () => {
    const a = await started();
    const rows = [];
    for (let i = 0; i < 120; i++) rows.push(alertRow(i % 2 ? 'AAPL' : 'TSLA', NOW - (i + 1) * MINUTE_MS));
    await putAlerts(a.backends.viewStore, rows);
    const first = await alerts(a, '');
    expect(first.alerts).toHaveLength(100);
    expect(first.truncated).toBe(true);
    expect(first.alerts[0]?.opened_at).toBe(iso(NOW - MINUTE_MS));
    expect(first.alerts[99]?.opened_at).toBe(iso(NOW - 100 * MINUTE_MS));
    const three = await alerts(a, '?limit=3');
    expect(ids(three)).toEqual(['TSLA@15:29', 'AAPL@15:28', 'TSLA@15:27']);
    expect(three.truncated).toBe(true);
    const exact = await alerts(a, '?limit=120');
    expect(exact.alerts).toHaveLength(120);
    expect(exact.truncated).toBe(false);
  });

  it('answers 503 naming the view store when it fails', async () => {
    const a = await started({}, (backends) => {
      const failing: ViewStore = {
        ...backends.viewStore,
        ensureSchema: () => backends.viewStore.ensureSchema(),
        upsert: (...args) => backends.viewStore.upsert(...args),
        close: () => backends.viewStore.close(),
        query: () => Promise.reject(new Error('connection refused')),
      };
      return { ...backends, viewStore: failing };
    });
    const response = await a.app.inject('/v1/alerts');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ backend: 'view store (embedded)' });
  });

  it('is documented in the OpenAPI document with its parameters', async () => {
    const a = await started();
    const doc = (await a.app.inject('/openapi.json')).json();
    const operation = doc.paths['/v1/alerts'].get;
    expect(operation.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['from', 'limit', 'rule', 'status', 'symbol', 'to'].sort(),
    );
    expect(operation.description).toMatch(/opened_at.*\[from, to\)/);
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['200', '400', '503']));
  });
});
