import { Command } from 'commander';
import { runCommand } from '../command-runtime.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the REST API (batch view merged with the speed view), OpenAPI and dashboard')
    .action(() =>
      runCommand('serve', async (context) => {
        // Loaded on use, so `--help` and other commands do not pay for Fastify and the drivers.
        const [{ openBackends }, { startApi }] = await Promise.all([
          import('../../infra/backends.js'),
          import('../start-api.js'),
        ]);
        const backends = await openBackends(context.config, context.logger);
        context.shutdown.onShutdown('backends', () => backends.close());
        await startApi(context, backends);
        return 'serving';
      }),
    );
}
