import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { Backends } from '../../infra/backends.js';

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptime_seconds: Type.Number(),
  backends: Type.Object({ eventLog: Type.String(), viewStore: Type.String(), objectStore: Type.String() }),
});

export const healthRoutes: FastifyPluginAsyncTypebox<{ backends: Backends; version: string }> = async (
  app,
  { backends, version },
) => {
  app.get(
    '/health',
    {
      schema: { summary: 'Liveness and the backends in use', tags: ['ops'], response: { 200: HealthSchema } },
    },
    async () => ({
      status: 'ok' as const,
      version,
      uptime_seconds: Math.round(process.uptime()),
      backends: backends.kinds,
    }),
  );
};
