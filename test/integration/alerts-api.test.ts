/**
 * `GET /v1/alerts` and the stream's `alert` events on the real Cassandra (a keyspace of its own
 * per run, dropped afterwards; the lake is a local folder, which these routes never read): the
 * day partitions and clustering order of `alerts_by_symbol`, a row upserted open then closed, and
 * an alert's absent `closed_at` read back as null.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandraDriver from 'cassandra-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, openBackends } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import type { Alert, AlertList } from '../../schemas/api.js';
import { HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import { alertRow, BEARISH_RULE, BULLISH_RULE, putAlerts } from '../../serving-api/alerts/test-alerts.js';
import { type App, buildApp } from '../../serving-api/app.js';
import { MinuteFeed } from '../../serving-api/live/minute-feed.js';

const base = loadConfig(process.env);
if (!base.cassandra) throw new Error('Cassandra is not set: run through `npm run test:integration`');
const run = randomUUID().replaceAll('-', '').slice(0, 10);
const keyspace = `it_alerts_${run}`;
const lake = mkdtempSync(join(tmpdir(), 'it-alerts-lake-'));
const env: Record<string, string | undefined> = {
  ...process.env,
  KAFKA_BROKERS: '',
  S3_ENDPOINT: '',
  S3_BUCKET: '',
  LAKE_DIR: lake,
  CASSANDRA_KEYSPACE: keyspace,
  API_SYMBOLS: 'AAPL,TSLA',
};
const logger = pino({ level: 'silent' });

// Just after midnight: the last 24 hours span two day partitions.
const NOW = Date.parse('2026-03-03T00:30:00Z');
const iso = (t: number) => new Date(t).toISOString();

let backends: Backends;
let app: App;
beforeAll(async () => {
  backends = await openBackends(loadConfig(env), logger);
  expect(backends.kinds.viewStore).toBe('cassandra');
  await putAlerts(backends.viewStore, [
    alertRow('AAPL', NOW - 26 * HOUR_MS),
    alertRow('AAPL', NOW - 20 * HOUR_MS, { closedAt: NOW - 19 * HOUR_MS }),
    // Two rules on one minute: clustered by rule after opened_at.
    alertRow('AAPL', NOW - 2 * HOUR_MS, { rule: BULLISH_RULE }),
    alertRow('AAPL', NOW - 2 * HOUR_MS),
    alertRow('TSLA', NOW - 10 * MINUTE_MS),
  ]);
  app = await buildApp({ logger, backends, version: 'it', config: loadConfig(env), now: () => NOW });
});
afterAll(async () => {
  await app?.close();
  await backends?.close();
  const client = new cassandraDriver.Client({
    contactPoints: base.cassandra?.contactPoints ?? [],
    localDataCenter: base.cassandra?.localDataCenter ?? 'datacenter1',
  });
  await client.connect();
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client.shutdown();
  rmSync(lake, { recursive: true, force: true });
});

const get = async (url: string): Promise<AlertList> => {
  const response = await app.inject(url);
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
};
const brief = (list: AlertList) => list.alerts.map((a) => [a.symbol, a.opened_at, a.rule, a.status]);

describe('GET /v1/alerts on Cassandra', () => {
  it('reads the last 24 hours across both day partitions, newest first, rules in order', async () => {
    const list = await get('/v1/alerts');
    expect(brief(list)).toEqual([
      ['TSLA', iso(NOW - 10 * MINUTE_MS), BEARISH_RULE, 'open'],
      ['AAPL', iso(NOW - 2 * HOUR_MS), BEARISH_RULE, 'open'],
      ['AAPL', iso(NOW - 2 * HOUR_MS), BULLISH_RULE, 'open'],
      ['AAPL', iso(NOW - 20 * HOUR_MS), BEARISH_RULE, 'closed'],
    ]);
    expect(list.alerts[1]?.closed_at).toBeNull();
    expect(list.alerts[3]?.closed_at).toBe(iso(NOW - 19 * HOUR_MS));
  });

  it('shows an alert closed by a later upsert as closed, once', async () => {
    const at = NOW - 2 * HOUR_MS;
    await putAlerts(backends.viewStore, [alertRow('AAPL', at, { closedAt: at + 30 * MINUTE_MS })]);
    const list = await get(`/v1/alerts?symbol=AAPL&rule=${BEARISH_RULE}&from=${iso(at)}&to=${iso(NOW)}`);
    expect(brief(list)).toEqual([['AAPL', iso(at), BEARISH_RULE, 'closed']]);
    const page = await get(`/v1/alerts?symbol=AAPL&from=${iso(NOW - 30 * HOUR_MS)}&to=${iso(NOW)}&limit=2`);
    expect(page.alerts).toHaveLength(2);
    expect(page.truncated).toBe(true);
  });
});

describe('alert events from Cassandra', () => {
  it('reports the look-back’s alerts and a close written afterwards', async () => {
    const feed = new MinuteFeed({
      viewStore: backends.viewStore,
      pollIntervalMs: 20,
      alertPollIntervalMs: 0,
      now: () => NOW,
    });
    const got: Alert[] = [];
    feed.follow(
      ['TSLA'],
      () => {},
      (alert) => got.push(alert),
    );
    const deadline = Date.now() + 20_000;
    while (got.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got.map((a) => a.status)).toEqual(['open']);
    const at = NOW - 10 * MINUTE_MS;
    await putAlerts(backends.viewStore, [alertRow('TSLA', at, { closedAt: NOW - MINUTE_MS })]);
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await feed.close();
    expect(got.map((a) => [a.alert_id, a.status, a.closed_at])).toEqual([
      [got[0]?.alert_id, 'open', null],
      [got[0]?.alert_id, 'closed', iso(NOW - MINUTE_MS)],
    ]);
  });
});
