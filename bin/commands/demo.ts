import { Command, InvalidArgumentError } from 'commander';
import { openBackendsUntilShutdown, runCommand } from '../command-runtime.js';

function rate(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative number of events per second');
  return n;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('run the whole platform in one process on embedded stand-ins (no servers needed)')
    .option('--tweet-rate <n>', 'synthetic tweets per second (0: none)', rate, 20)
    .option(
      '--tick-rate <n>',
      'synthetic price ticks per second (0: none; default: one per symbol per second)',
      rate,
    )
    .action((options: { tweetRate: number; tickRate?: number }) =>
      runCommand('demo', async (context) => {
        const [{ startApi }, { startSpeedLayer }, { startSyntheticFeeds }] = await Promise.all([
          import('../start-api.js'),
          import('../start-speed.js'),
          import('../../producers/synthetic-feeds.js'),
        ]);
        // One set of backends for every part, so they meet in the same log, views and lake.
        const backends = await openBackendsUntilShutdown(context);
        const address = await startApi(context, backends);
        // Stopped before the feeds' log closes and after they stop (shutdown runs in reverse).
        await startSpeedLayer(context, backends);
        // The batch every five minutes on the same lake, so gold and its horizon appear while trying it.
        const { startBatchSchedule } = await import('./batch.js');
        await startBatchSchedule(context, backends.objectStore, { cron: '*/5 * * * *' });
        // Each rate governs its own feed; 0 starts none.
        await startSyntheticFeeds(
          backends.eventLog,
          {
            tweetsPerSecond: options.tweetRate,
            ...(options.tickRate !== undefined ? { ticksPerSecond: options.tickRate } : {}),
            watermarkDelayMs: context.config.watermarkDelayMs,
            partitions: context.config.topics.partitions,
            topics: context.config.topics.names,
            logger: context.logger,
          },
          context.shutdown,
        );
        context.logger.info(`demo running: try ${address}/health and ${address}/docs`);
        return 'serving';
      }),
    );
}
