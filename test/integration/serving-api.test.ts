/**
 * The serving API on the real backends: gold in MinIO, the speed view in Cassandra, each in a
 * bucket and keyspace of its own per run. The merge across the boundary, and a 503 naming the
 * backend when one cannot be reached (a closed port for the lake; for Cassandra, a proxy in front
 * of the shared server that the test shuts: the shared servers are never stopped).
 */
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import cassandraDriver from 'cassandra-driver';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, openBackends } from '../../infra/backends.js';
import { CassandraViewStore } from '../../infra/cassandra/cassandra-view-store.js';
import { loadConfig } from '../../infra/config.js';
import { S3ObjectStore } from '../../infra/lake/s3-object-store.js';
import { HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import { type App, buildApp } from '../../serving-api/app.js';
import { goldMinutes, pointLatest, putGoldMinutes, putSpeedMinutes } from '../../serving-api/test-lake.js';

const base = loadConfig(process.env);
if (!base.cassandra || !base.s3)
  throw new Error('Cassandra and S3 are not set: run through `npm run test:integration`');
const run = randomUUID().replaceAll('-', '').slice(0, 10);
const env = {
  ...process.env,
  KAFKA_BROKERS: '',
  CASSANDRA_KEYSPACE: `it_api_${run}`,
  S3_BUCKET: `it-api-${run}`,
  API_BACKEND_TIMEOUT: '1500ms',
};
const config = loadConfig(env);
const logger = pino({ level: 'silent' });

const T0 = Date.parse('2026-03-02T00:00:00Z');
const B = T0 + 12 * HOUR_MS;
const NOW = T0 + 15 * HOUR_MS;
const iso = (t: number) => new Date(t).toISOString();
const S = `/v1/symbols/AAPL/sentiment?interval=1h&from=${iso(B - 2 * HOUR_MS)}&to=${iso(B + 2 * HOUR_MS)}`;

let backends: Backends;
let app: App;
beforeAll(async () => {
  backends = await openBackends(config, logger);
  await putGoldMinutes(backends.objectStore, goldMinutes('AAPL', B - 3 * HOUR_MS, B + HOUR_MS, 1));
  await putSpeedMinutes(backends.viewStore, 'AAPL', B - HOUR_MS, NOW, 2);
  await pointLatest(backends.objectStore, 'run-it', B, B + 5 * MINUTE_MS);
  app = await buildApp({ logger, backends, version: 'it', config, now: () => NOW });
});
afterAll(async () => {
  await app?.close();
  await backends?.close();
  const client = new cassandraDriver.Client({
    contactPoints: base.cassandra?.contactPoints ?? [],
    localDataCenter: base.cassandra?.localDataCenter ?? 'datacenter1',
  });
  await client.connect();
  await client.execute(`DROP KEYSPACE IF EXISTS it_api_${run}`);
  await client.shutdown();
});

const summary = (body: { buckets: { start: string; source: string; tweets: number }[] }) =>
  body.buckets.map((b) => [b.start.slice(11, 16), b.source, b.tweets]);

describe('the serving API on Cassandra and MinIO', () => {
  it('merges gold from MinIO before the boundary with Cassandra after it', async () => {
    const response = await app.inject(S);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ boundary: iso(B), run_id: 'run-it', gaps: [] });
    expect(summary(body)).toEqual([
      ['10:00', 'batch', 60],
      ['11:00', 'batch', 60],
      ['12:00', 'speed', 120],
      ['13:00', 'speed', 120],
    ]);
    expect((await app.inject('/ready')).json().backends).toMatchObject({
      viewStore: { kind: 'cassandra', ok: true },
      objectStore: { kind: 's3', ok: true },
    });
  });

  it('answers 503 naming s3 when the lake is on a closed port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const s3 = base.s3 as NonNullable<typeof base.s3>;
    const lake = new S3ObjectStore({
      ...s3,
      bucket: `it-api-${run}`,
      endpoint: `http://127.0.0.1:${port}`,
      maxAttempts: 1,
    });
    const down = await buildApp({
      logger,
      backends: {
        ...backends,
        objectStore: lake,
        kinds: { ...backends.kinds },
        close: async () => undefined,
      },
      version: 'it',
      config,
      now: () => NOW,
    });
    try {
      const response = await down.inject(S);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ backend: 's3' });
      // The speed view's own routes still answer.
      expect((await down.inject('/v1/symbols/AAPL/tweets')).statusCode).toBe(200);
    } finally {
      await down.close();
      await lake.close();
    }
  });

  it('answers 503 naming cassandra, within the deadline, once Cassandra cannot be reached', async () => {
    const [host, port] = (base.cassandra?.contactPoints[0] ?? '127.0.0.1:9042').split(':');
    const sockets = new Set<Socket>();
    const proxy: Server = createServer((client) => {
      const upstream = connect(Number(port ?? 9042), host);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyPort = (proxy.address() as { port: number }).port;
    const store = await CassandraViewStore.connect({
      contactPoints: [`127.0.0.1:${proxyPort}`],
      localDataCenter: base.cassandra?.localDataCenter ?? 'datacenter1',
      keyspace: `it_api_${run}`,
      replicationFactor: 1,
      defaultTtlSeconds: 3600,
      connectTimeoutMs: 500,
    });
    const cut = await buildApp({
      logger,
      backends: { ...backends, viewStore: store, close: async () => undefined },
      version: 'it',
      config,
      now: () => NOW,
    });
    try {
      expect((await cut.inject(S)).statusCode).toBe(200);
      // Cassandra goes away: the proxy stops listening and drops every connection.
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      const started = Date.now();
      const response = await cut.inject(S);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({ statusCode: 503, backend: 'cassandra' });
      // Bounded by API_BACKEND_TIMEOUT (1.5 s), not a hang; generous for a loaded machine.
      expect(Date.now() - started).toBeLessThan(15_000);
      const ready = await cut.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json().problems).toEqual(expect.arrayContaining([expect.stringMatching(/^cassandra: /)]));
    } finally {
      await cut.close();
      await store.close().catch(() => undefined);
    }
  });
});
