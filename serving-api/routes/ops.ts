/**
 * `GET /ready` (each backend answers, and how old the latest batch run is) and `GET /metrics`
 * (Prometheus text). `/health` (health.ts) only says the process is up.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Backends } from '../../infra/backends.js';
import { type Ready, ReadySchema } from '../../schemas/api.js';
import { formatEventTime } from '../../schemas/time.js';
import type { ApiMetrics } from '../api-metrics.js';
import type { BackendCall } from '../backend-call.js';
import type { ServingViews } from '../serving-views.js';

export interface OpsRouteOptions {
  views: ServingViews;
  backends: Backends;
  call: BackendCall;
  metrics: ApiMetrics;
  labels: { eventLog: string; viewStore: string; objectStore: string };
  /** A topic whose end offsets are asked to see the event log answer. */
  probeTopic: string;
  /** A latest run older than this is a problem: the speed view no longer covers what gold lacks. */
  maxRunAgeMs: number;
}

const message = (error: unknown) => String((error as Error)?.message ?? error);

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRouteOptions> = async (app, options) => {
  const { views, backends, call, metrics, labels } = options;

  app.get(
    '/ready',
    {
      schema: {
        summary: 'Readiness: every backend answers and the latest batch run is recent enough',
        description: `200 when the view store, the lake and the event log answer within API_BACKEND_TIMEOUT and the latest complete batch run finished less than SPEED_VIEW_TTL ago; else 503 with \`problems\` naming each.`,
        tags: ['ops'],
        response: {
          200: ReadySchema,
          503: { ...ReadySchema, description: 'something named in `problems` is not ready' },
        },
      },
    },
    async (_request, reply) => {
      const problems: string[] = [];
      const probe = async (name: keyof typeof labels, check: () => Promise<unknown>) => {
        try {
          await check();
          return { kind: backends.kinds[name], ok: true };
        } catch (error) {
          problems.push(`${labels[name]}: ${message(error)}`);
          return { kind: backends.kinds[name], ok: false, error: message(error) };
        }
      };
      let horizon: Awaited<ReturnType<typeof views.horizon.current>>;
      const [viewStore, objectStore, eventLog] = await Promise.all([
        probe('viewStore', () => views.speed.ping()),
        probe('objectStore', async () => {
          horizon = await views.horizon.current();
        }),
        probe('eventLog', () =>
          call(labels.eventLog, () => backends.eventLog.endOffsets(options.probeTopic)),
        ),
      ]);
      const now = views.now();
      const run = horizon;
      if (run && now - run.finishedAt > options.maxRunAgeMs)
        problems.push(
          `batch: the latest run ${run.runId} finished ${Math.round((now - run.finishedAt) / 1000)} s ago, longer than SPEED_VIEW_TTL: the speed view no longer covers what gold lacks`,
        );
      const body: Ready = {
        status: problems.length === 0 ? 'ready' : 'not ready',
        backends: { viewStore, objectStore, eventLog },
        batch: {
          run_id: run?.runId ?? null,
          finished_at: run ? formatEventTime(run.finishedAt) : null,
          age_seconds: run ? Math.max(0, (now - run.finishedAt) / 1000) : null,
          covered_until: run?.coveredUntil != null ? formatEventTime(run.coveredUntil) : null,
        },
        problems,
      };
      return reply.status(problems.length === 0 ? 200 : 503).send(body);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics of the API',
        description:
          'api_http_requests_total{method,route,status}, api_http_request_duration_seconds{method,route}, api_backend_errors_total{backend}, and the process metrics (prefix api_).',
        tags: ['ops'],
        produces: ['text/plain'],
        response: { 200: Type.String({ description: 'Prometheus text exposition format' }) },
      },
    },
    async (_request, reply) => {
      reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
