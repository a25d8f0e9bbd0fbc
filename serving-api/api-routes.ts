/**
 * The API proper, installed on the app's root instance (so its hooks cover every route): access
 * control (CORS, API keys, rate limit, each off unless configured), request metrics, and the
 * /v1 routes with /ready and /metrics over the merged views.
 */

import { timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Backends } from '../infra/backends.js';
import type { Config } from '../infra/config.js';
import { AlertReader } from './alerts/alert-reader.js';
import { ApiMetrics } from './api-metrics.js';
import { backendCall } from './backend-call.js';
import { GoldReader } from './gold/gold-reader.js';
import { HorizonReader } from './gold/horizon.js';
import { alertRoutes } from './routes/alerts.js';
import { analyticsRoutes } from './routes/analytics.js';
import { opsRoutes } from './routes/ops.js';
import { sentimentRoutes } from './routes/sentiment.js';
import { symbolRoutes } from './routes/symbols.js';
import { SeriesAnswerCache } from './series-answer-cache.js';
import { ServingViews } from './serving-views.js';
import { SpeedReader } from './speed/speed-reader.js';

export interface ApiOptions {
  backends: Backends;
  config: Config;
  /** The clock of the merge (speed view retention, defaults); tests move it. */
  now?: () => number;
}

/** How the API names each backend in 503s, /ready and metrics. */
export function backendLabels(kinds: Backends['kinds']) {
  return {
    viewStore: kinds.viewStore === 'embedded' ? 'view store (embedded)' : kinds.viewStore,
    objectStore: kinds.objectStore === 'embedded' ? 'lake (embedded)' : kinds.objectStore,
    eventLog: kinds.eventLog === 'embedded' ? 'event log (embedded)' : kinds.eventLog,
  };
}

const API_KEY_HEADER = 'x-api-key';

function keyMatches(given: string, keys: readonly string[]): boolean {
  const g = Buffer.from(given);
  let found = false;
  for (const key of keys) {
    const k = Buffer.from(key);
    // Every key is compared, each in constant time: the answer's timing says nothing about them.
    if (k.length === g.length && timingSafeEqual(k, g)) found = true;
  }
  return found;
}

export async function registerApi(
  app: FastifyInstance,
  options: ApiOptions,
): Promise<{ views: ServingViews }> {
  const { backends, config } = options;
  const api = config.api;
  const now = options.now ?? Date.now;
  const metrics = new ApiMetrics();
  const labels = backendLabels(backends.kinds);
  const call = backendCall({
    timeoutMs: api.backendTimeoutMs,
    onError: (backend) => metrics.backendErrors.inc({ backend }),
  });
  const cacheDir = mkdtempSync(join(api.goldCacheDir ?? tmpdir(), 'market-sentiment-gold-'));
  const gold = new GoldReader({ store: backends.objectStore, cacheDir, backend: labels.objectStore, call });
  const views = new ServingViews({
    horizon: new HorizonReader({
      store: backends.objectStore,
      backend: labels.objectStore,
      call,
      refreshMs: api.horizonRefreshMs,
      now,
    }),
    gold,
    speed: new SpeedReader({
      store: backends.viewStore,
      backend: labels.viewStore,
      call,
      minuteCache: { ...api.speedCache, ttlMs: config.speedViewTtlMs, now },
    }),
    speedViewTtlMs: config.speedViewTtlMs,
    trackedSymbols: api.symbols,
    now,
  });
  app.addHook('onClose', async () => {
    await gold.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  if (api.corsOrigins) {
    await app.register(cors, { origin: api.corsOrigins.includes('*') ? '*' : api.corsOrigins });
  }
  if (api.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      max: api.rateLimitPerMinute,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`more than ${context.max} requests per minute; retry in ${context.after}`), {
          name: 'Too Many Requests',
          statusCode: 429,
        }),
    });
  }
  const keys = api.keys;
  if (keys) {
    app.addHook('onRequest', async (request, reply) => {
      if (!request.url.startsWith('/v1/')) return;
      const header = request.headers[API_KEY_HEADER];
      const query = (request.query as Record<string, unknown> | undefined)?.api_key;
      const given = typeof header === 'string' ? header : typeof query === 'string' ? query : undefined;
      if (given !== undefined && keyMatches(given, keys)) return;
      return reply.status(401).send({
        statusCode: 401,
        error: 'Unauthorized',
        message: `a valid API key is required in the ${API_KEY_HEADER} header (or the api_key query parameter)`,
        parameter: API_KEY_HEADER,
      });
    });
  }

  const answers = new SeriesAnswerCache(api.answerCacheBytes, (outcome) =>
    metrics.seriesAnswers.inc({ outcome }),
  );
  await app.register(sentimentRoutes, { views, answers });
  await app.register(symbolRoutes, { views, speedViewTtlMs: config.speedViewTtlMs });
  await app.register(analyticsRoutes, { views });
  await app.register(alertRoutes, {
    alerts: new AlertReader({ store: backends.viewStore, backend: labels.viewStore, call }),
    trackedSymbols: api.symbols,
    now,
  });
  await app.register(opsRoutes, {
    views,
    backends,
    call,
    metrics,
    labels,
    probeTopic: config.topics.names.tweets,
    maxRunAgeMs: config.speedViewTtlMs,
  });
  return { views };
}
