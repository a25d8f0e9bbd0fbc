/**
 * The serving API. Routes are Fastify plugins with TypeBox schemas, so validation, serialisation
 * and the OpenAPI document (GET /openapi.json, UI at /docs) all come from the same definitions.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, LogController } from 'fastify';
import type { Backends } from '../infra/backends.js';
import { type Config, loadConfig } from '../infra/config.js';
import type { Logger } from '../infra/logger.js';
import { registerApi } from './api-routes.js';
import { dashboardRoutes } from './dashboard/dashboard-routes.js';
import { BackendUnavailableError, BadParameterError } from './errors.js';
import { healthRoutes } from './routes/health.js';
import { streamRoutes } from './routes/stream.js';

export interface AppOptions {
  logger: Logger;
  backends: Backends;
  version: string;
  /** The API's settings (API_*, SPEED_VIEW_TTL, topic names); default: the documented defaults. */
  config?: Config;
  /** The clock of the merge; tests move it. */
  now?: () => number;
}

/** The query or path parameter a schema validation error is about. */
function parameterOf(error: { validation?: unknown; validationContext?: string }): string | undefined {
  const first = (
    error.validation as { instancePath?: string; params?: Record<string, unknown> }[] | undefined
  )?.[0];
  const path = first?.instancePath?.replace(/^\//, '');
  if (path) return path.split('/')[0];
  const missing = first?.params?.missingProperty;
  return typeof missing === 'string' ? missing : error.validationContext;
}

export async function buildApp(options: AppOptions) {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // No per-request log lines: at request rates they would drown the platform's own events.
    // Fastify 5 takes this through a LogController; the top-level option is deprecated (FSTDEP023).
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Market sentiment API',
        version: options.version,
        description: 'Per-symbol sentiment and prices: the batch view merged with the real-time view.',
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Bad parameters are the caller's to fix: 400 with what was wrong, never a 500.
  app.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number }, request, reply) => {
    if (error.validation) {
      const parameter = parameterOf(error);
      return reply.status(400).send({
        error: 'Bad Request',
        message: error.message,
        statusCode: 400,
        ...(parameter ? { parameter } : {}),
      });
    }
    if (error instanceof BadParameterError) {
      return reply
        .status(400)
        .send({ error: 'Bad Request', message: error.message, statusCode: 400, parameter: error.parameter });
    }
    if (error instanceof BackendUnavailableError) {
      request.log.warn({ err: error }, error.message);
      return reply.status(503).send({
        error: 'Service Unavailable',
        message: error.message,
        statusCode: 503,
        backend: error.backend,
      });
    }
    const status =
      error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send({
      error: status >= 500 ? 'Internal Server Error' : error.name,
      message: error.message,
      statusCode: status,
    });
  });

  // Before the other routes: its hooks (access control, metrics) cover every route.
  await registerApi(app, {
    backends: options.backends,
    config: options.config ?? loadConfig({}),
    ...(options.now ? { now: options.now } : {}),
  });
  await app.register(healthRoutes, { backends: options.backends, version: options.version });
  await app.register(streamRoutes, { viewStore: options.backends.viewStore });
  await app.register(dashboardRoutes);
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
