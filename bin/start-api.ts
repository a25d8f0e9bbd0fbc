import type { Backends } from '../infra/backends.js';
import { buildApp } from '../serving-api/app.js';
import type { CommandContext } from './command-runtime.js';
import { PACKAGE_VERSION } from './package-version.js';

/** Starts the API on API_HOST:API_PORT over the given backends; returns once listening. */
export async function startApi(
  { config, logger, shutdown }: CommandContext,
  backends: Backends,
): Promise<string> {
  const app = await buildApp({ logger, backends, version: PACKAGE_VERSION, config });
  shutdown.onShutdown('api', () => app.close());
  // Fastify logs the address itself.
  return app.listen({ host: config.api.host, port: config.api.port });
}
