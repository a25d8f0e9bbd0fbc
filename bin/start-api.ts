import { openBackends } from '../infra/backends.js';
import { buildApp } from '../serving-api/app.js';
import type { CommandContext } from './command-runtime.js';
import { PACKAGE_VERSION } from './package-version.js';

/** Starts the API on API_HOST:API_PORT over the configured backends; returns once listening. */
export async function startApi({ config, logger, shutdown }: CommandContext): Promise<string> {
  const backends = await openBackends(config, logger);
  shutdown.onShutdown('backends', () => backends.close());
  const app = await buildApp({ logger, backends, version: PACKAGE_VERSION });
  shutdown.onShutdown('api', () => app.close());
  const address = await app.listen({ host: config.api.host, port: config.api.port });
  logger.info({ address }, `API listening on ${address}`);
  return address;
}
