import { createServer, type Server, type Socket } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../infra/cassandra/range-reader.js';
import { S3ObjectStore } from '../infra/lake/s3-object-store.js';
import { HOUR_MS, MINUTE_MS } from '../schemas/time.js';
import { alertRow, BULLISH_RULE, putAlerts } from './alerts/test-alerts.js';
import { type TestApi, testApi } from './test-app.js';
import { goldMinutes, pointLatest, putGoldMinutes, putSpeedMinutes } from './test-lake.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const B = T0 + 12 * HOUR_MS;
const NOW = T0 + 15 * HOUR_MS;
const iso = (t: number) => new Date(t).toISOString();

interface OpenApi {
  paths: Record<
    string,
    { get?: { responses: Record<string, { content?: Record<string, { schema: object }> }> } }
  >;
}

/** Checks responses against the schemas of the app's own OpenAPI document, with AJV. */
class ResponseChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ReturnType<Ajv2020['compile']>>();
  constructor(private readonly doc: OpenApi) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
  }
  /** The documented path of a request path, e.g. /v1/symbols/{symbol}/sentiment. */
  private pathOf(url: string): string | undefined {
    const path = url.split('?')[0] as string;
    return Object.keys(this.doc.paths).find((p) =>
      new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    );
  }
  check(url: string, status: number, body: unknown): string[] {
    const path = this.pathOf(url);
    if (!path) return status === 404 ? [] : [`${url}: not a documented path`];
    const response = this.doc.paths[path]?.get?.responses[String(status)];
    const schema = response?.content?.['application/json']?.schema;
    if (!schema) return [`${url}: status ${status} is not documented`];
    const id = `${path} ${status}`;
    let validate = this.compiled.get(id);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(id, validate);
    }
    return validate(body) ? [] : [`${url} ${status}: ${this.ajv.errorsText(validate.errors)}`];
  }
}

let shared: TestApi;
let checker: ResponseChecker;
beforeAll(async () => {
  shared = await testApi(NOW, { API_SYMBOLS: 'AAPL,TSLA,BRK.B' });
  await putGoldMinutes(shared.lake, goldMinutes('AAPL', B - 2 * HOUR_MS, B + HOUR_MS, 1));
  await putSpeedMinutes(shared.backends.viewStore, 'AAPL', B - HOUR_MS, NOW, 2);
  await pointLatest(shared.lake, 'run-1', B, B + 5 * MINUTE_MS);
  // One open and one closed alert, so that the alerts' answers are checked against their schema.
  await putAlerts(shared.backends.viewStore, [
    alertRow('AAPL', B - HOUR_MS, { closedAt: B - 30 * MINUTE_MS }),
    alertRow('AAPL', B + HOUR_MS, { rule: BULLISH_RULE }),
  ]);
  checker = new ResponseChecker((await shared.app.inject('/openapi.json')).json());
});
afterAll(async () => {
  await shared.close();
});

async function request(a: TestApi, url: string, headers: Record<string, string> = {}) {
  const response = await a.app.inject({ method: 'GET', url, headers });
  const body = response.headers['content-type']?.toString().includes('json')
    ? response.json()
    : response.body;
  if (a === shared) expect(checker.check(url, response.statusCode, body)).toEqual([]);
  return { status: response.statusCode, body, headers: response.headers };
}

const S = '/v1/symbols/AAPL/sentiment';

describe('bad input', () => {
  it.each([
    ['a bad interval', `${S}?interval=2m`, 'interval'],
    ['a candle interval the route lacks', '/v1/symbols/AAPL/candles?interval=1h', 'interval'],
    ['from after to', `${S}?from=${iso(B)}&to=${iso(B - HOUR_MS)}`, 'from'],
    ['from equal to to', `${S}?from=${iso(B)}&to=${iso(B)}`, 'from'],
    [
      'a range too wide for the interval',
      `${S}?interval=1m&from=${iso(B - 2 * 86_400_000)}&to=${iso(B)}`,
      'from',
    ],
    [
      'a range too wide for the hourly routes',
      `/v1/correlation?from=2026-01-01T00:00:00Z&to=${iso(B)}`,
      'from',
    ],
    ['a time that is not ISO-8601', `${S}?from=yesterday`, 'from'],
    ['a leap second, which the views cannot hold', `${S}?from=2016-12-31T23:59:60Z`, 'from'],
    ['a time without a zone', `${S}?to=2026-03-02T10:00:00`, 'to'],
    ['a time before 1970', `${S}?interval=1d&from=1960-01-01T00:00:00Z&to=1960-02-01T00:00:00Z`, 'from'],
    ['a malformed symbol', '/v1/symbols/AA1/sentiment', 'symbol'],
    ['a symbol too long', '/v1/symbols/ABCDEFG/tweets', 'symbol'],
    ['a malformed correlation symbol', '/v1/correlation?symbol=$$', 'symbol'],
    ['a limit of 0', '/v1/symbols/AAPL/tweets?limit=0', 'limit'],
    ['a limit above the most', '/v1/symbols/AAPL/tweets?limit=201', 'limit'],
    ['a limit that is no number', '/v1/symbols/AAPL/tweets?limit=ten', 'limit'],
    ['a cursor that is no cursor', '/v1/symbols/AAPL/tweets?before=not-a-cursor', 'before'],
    [
      'a cursor of another table',
      `/v1/symbols/AAPL/tweets?before=${encodeCursor('sentiment_by_minute', [B])}`,
      'before',
    ],
    [
      'a cursor with a wrong time',
      `/v1/symbols/AAPL/tweets?before=${encodeCursor('tweets_by_symbol', ['x', 'y'])}`,
      'before',
    ],
    ['a day that is not a day', '/v1/pivot/hourly?date=2026-02-30', 'date'],
    ['a day of another form', '/v1/pivot/hourly?date=02.03.2026', 'date'],
    ['stats over 0 days', '/v1/symbols/AAPL/stats?days=0', 'days'],
    ['a malformed alerts symbol', '/v1/alerts?symbol=AA1', 'symbol'],
    ['an alerts time that is not ISO-8601', '/v1/alerts?to=tomorrow', 'to'],
    ['alerts from after to', `/v1/alerts?from=${iso(B)}&to=${iso(B - HOUR_MS)}`, 'from'],
    ['an alerts range over 31 days', `/v1/alerts?from=${iso(B - 32 * 86_400_000)}&to=${iso(B)}`, 'from'],
    ['a malformed rule id', '/v1/alerts?rule=Bad%20Rule!', 'rule'],
    ['an alert status that is none', '/v1/alerts?status=pending', 'status'],
    ['an alerts limit of 0', '/v1/alerts?limit=0', 'limit'],
    ['an alerts limit above the most', '/v1/alerts?limit=1001', 'limit'],
  ])('answers 400 naming the parameter for %s', async (_what, url, parameter) => {
    const { status, body } = await request(shared, url);
    expect(status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', parameter });
    expect(body.message).toContain(parameter);
  });

  it.each([
    '/v1/symbols/QQQQ/sentiment',
    '/v1/symbols/QQQQ/tweets',
    '/v1/symbols/QQQQ/candles',
    '/v1/symbols/QQQQ/trend',
    '/v1/symbols/QQQQ/stats',
    '/v1/correlation?symbol=QQQQ',
  ])('answers 404 for a symbol neither tracked nor in gold: %s', async (url) => {
    const { status, body } = await request(shared, url);
    expect(status).toBe(404);
    expect(body.message).toContain('QQQQ');
  });

  it('takes symbols in any case and with a class suffix', async () => {
    expect((await request(shared, '/v1/symbols/aapl/sentiment')).body.symbol).toBe('AAPL');
    expect((await request(shared, '/v1/symbols/brk.b/tweets')).status).toBe(200);
  });

  it('answers every documented route with a response its schema accepts', async () => {
    for (const url of [
      '/v1/symbols',
      `${S}?interval=5m&from=${iso(B - HOUR_MS)}&to=${iso(B + HOUR_MS)}`,
      `${S}?interval=1d`,
      '/v1/symbols/AAPL/candles',
      '/v1/symbols/AAPL/tweets',
      '/v1/symbols/AAPL/trend',
      '/v1/symbols/AAPL/stats',
      '/v1/pivot/hourly?date=2026-03-02',
      '/v1/correlation',
      '/v1/alerts',
      '/v1/alerts?status=closed',
      `/v1/alerts?symbol=AAPL&from=${iso(B - 31 * 86_400_000)}&to=${iso(B)}&rule=bearish-sentiment-price-drop&status=open&limit=1000`,
      '/health',
      '/ready',
    ])
      expect((await request(shared, url)).status).toBe(200);
  });

  it('never answers a 5xx, whatever the query, and every answer matches its documented schema', async () => {
    const routes = [
      '/v1/symbols/AAPL/sentiment',
      '/v1/symbols/AAPL/candles',
      '/v1/symbols/AAPL/tweets',
      '/v1/symbols/AAPL/trend',
      '/v1/symbols/AAPL/stats',
      '/v1/pivot/hourly',
      '/v1/correlation',
      '/v1/alerts',
    ];
    const time = fc
      .integer({ min: Date.UTC(1969, 0, 1), max: Date.UTC(2100, 0, 1) })
      .map((t) => new Date(t).toISOString());
    // Near the data: ranges around the boundary, some of them wide.
    const nearTime = fc.integer({ min: B - 40 * 86_400_000, max: B + 40 * 86_400_000 }).map(iso);
    const junk = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '0', '-1', '1e3', 'null', '[]'));
    const param = (...values: fc.Arbitrary<string>[]) =>
      fc.option(fc.oneof(...values, junk), { nil: undefined });
    const query = fc.record({
      from: param(time, nearTime, nearTime),
      to: param(time, nearTime, nearTime),
      interval: param(fc.constantFrom('1m', '5m', '1h', '1d')),
      limit: param(fc.integer({ min: -5, max: 500 }).map(String)),
      before: param(fc.base64String({ maxLength: 40 })),
      date: param(
        fc
          .date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
      ),
      days: param(fc.integer({ min: -2, max: 40 }).map(String)),
      symbol: param(fc.constantFrom('AAPL', 'aapl', 'QQQQ', 'BRK.B')),
      rule: param(fc.constantFrom('bearish-sentiment-price-drop', 'no-such-rule')),
      status: param(fc.constantFrom('open', 'closed')),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), query, async (route, q) => {
        const text = Object.entries(q)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${k}=${encodeURIComponent(v as string)}`)
          .join('&');
        const { status } = await request(shared, `${route}?${text}`);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 12 }), async (symbol) => {
        const { status } = await request(shared, `/v1/symbols/${encodeURIComponent(symbol)}/sentiment`);
        expect([200, 400, 404]).toContain(status);
      }),
      { numRuns: 100 },
    );
  });
});

describe('a backend that is down', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let silentPort = 0;
  let closedPort = 0;
  beforeAll(async () => {
    // Accepts connections and never answers: a hung server.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  const overS3 = (port: number) =>
    testApi(NOW, { API_BACKEND_TIMEOUT: '300ms' }, (backends) => ({
      ...backends,
      objectStore: new S3ObjectStore({
        bucket: 'lake',
        region: 'us-east-1',
        endpoint: `http://127.0.0.1:${port}`,
        accessKeyId: 'test-key',
        secretAccessKey: 'test-secret',
        maxAttempts: 1,
      }),
      kinds: { ...backends.kinds, objectStore: 's3' },
    }));

  it('answers 503 naming the lake when its port is closed', async () => {
    api = await overS3(closedPort);
    const { status, body } = await request(api, S);
    expect(status).toBe(503);
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', backend: 's3' });
    const ready = await request(api, '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.backends.objectStore).toMatchObject({ kind: 's3', ok: false });
    expect(ready.body.problems).toEqual([expect.stringMatching(/^s3: /)]);
    expect((await api.app.inject('/metrics')).body).toMatch(/api_backend_errors_total\{backend="s3"\} [1-9]/);
  });

  it('answers 503 naming the lake when it hangs, at the backend deadline instead of never', async () => {
    api = await overS3(silentPort);
    const { status, body } = await request(api, S);
    expect(status).toBe(503);
    expect(body.backend).toBe('s3');
    expect(body.message).toMatch(/no answer within 300 ms/);
  });

  it('still answers the speed view’s routes when only the lake is down', async () => {
    api = await overS3(closedPort);
    expect((await request(api, '/v1/symbols/AAPL/tweets')).status).toBe(200);
  });
});

describe('access control', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('needs no key by default, sends no CORS headers and sets no rate limit', async () => {
    api = await testApi(NOW);
    const response = await api.app.inject({ url: S, headers: { origin: 'http://elsewhere.example' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('asks for an API key on /v1 when keys are configured, in the header or the query', async () => {
    api = await testApi(NOW, { API_KEYS: 'key-one-12345,key-two-67890' });
    const refused = await request(api, S);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, parameter: 'x-api-key' });
    expect((await request(api, S, { 'x-api-key': 'key-wrong-0000' })).status).toBe(401);
    expect((await request(api, S, { 'x-api-key': 'key-two-67890' })).status).toBe(200);
    expect((await request(api, `${S}?api_key=key-one-12345`)).status).toBe(200);
    expect((await request(api, '/health')).status).toBe(200);
  });

  it('allows the configured CORS origins', async () => {
    api = await testApi(NOW, { API_CORS_ORIGINS: 'http://dash.example' });
    const allowed = await api.app.inject({ url: S, headers: { origin: 'http://dash.example' } });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://dash.example');
    const other = await api.app.inject({ url: S, headers: { origin: 'http://other.example' } });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 429 past the rate limit', async () => {
    api = await testApi(NOW, { API_RATE_LIMIT: '3' });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(api, '/health')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await request(api, S);
    expect(limited.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
  });
});
