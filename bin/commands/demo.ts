import { Command } from 'commander';
import { runCommand } from '../command-runtime.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole platform in one process on embedded stand-ins (no servers needed)')
    .action(() =>
      runCommand('demo', async (context) => {
        const { startApi } = await import('../start-api.js');
        const address = await startApi(context);
        context.logger.info(`demo running: try ${address}/health and ${address}/docs`);
        return 'serving';
      }),
    );
}
