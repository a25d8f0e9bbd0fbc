import { Command } from 'commander';
import { openBackendsUntilShutdown, runCommand } from '../command-runtime.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the REST API (batch view merged with the speed view), OpenAPI and dashboard')
    .action(() =>
      runCommand('serve', async (context) => {
        // Loaded on use, so `--help` and other commands do not pay for Fastify and the drivers.
        const { startApi } = await import('../start-api.js');
        const backends = await openBackendsUntilShutdown(context);
        await startApi(context, backends);
        return 'serving';
      }),
    );
}
