import { Command, InvalidArgumentError } from 'commander';
import { Cron } from 'croner';
import { parseRatio } from '../../producers/cli-options.js';
import { parseDuration } from '../../schemas/time.js';
import { openBackendsUntilShutdown, runCommand } from '../command-runtime.js';

function rate(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative number of events per second');
  return n;
}

function history(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration like 2h, 90m or 0s');
  return ms;
}

function cron(raw: string): string {
  try {
    new Cron(raw, { paused: true }).stop();
  } catch (error) {
    throw new InvalidArgumentError(`expected a cron expression: ${(error as Error).message}`);
  }
  return raw;
}

interface DemoOptions {
  tweetRate: number;
  tickRate?: number;
  history: number;
  batchCron: string;
  shockShare: number;
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
    .option(
      '--history <duration>',
      'event time starts this long ago: that much history is published at once, so the first batch run has whole hours to cover (0s: none)',
      history,
      2 * 3_600_000,
    )
    .option(
      '--shock-share <x>',
      'share of bullish/bearish regime periods that are shocks, so that alerts open now and then (0: none)',
      parseRatio,
      0.15,
    )
    .option(
      '--batch-cron <expr>',
      'schedule of the in-process batch runs (croner; six fields for seconds)',
      cron,
      '*/5 * * * *',
    )
    .action((options: DemoOptions) =>
      runCommand('demo', async (context) => {
        const [{ startApi }, { startSpeedLayer, loadAlertRulesOrExit }, { startSyntheticFeeds }] =
          await Promise.all([
            import('../start-api.js'),
            import('../start-speed.js'),
            import('../../producers/synthetic-feeds.js'),
          ]);
        const alertRules = await loadAlertRulesOrExit(context);
        // One set of backends for every part, so they meet in the same log, views and lake.
        const backends = await openBackendsUntilShutdown(context);
        const address = await startApi(context, backends);
        // Stopped before the feeds' log closes and after they stop (shutdown runs in reverse).
        await startSpeedLayer(context, backends, alertRules);
        // The batch every few minutes on the same lake, so gold and its horizon appear while trying it.
        const { startBatchSchedule } = await import('./batch.js');
        await startBatchSchedule(context, backends.objectStore, { cron: options.batchCron });
        // Each rate governs its own feed; 0 starts none.
        await startSyntheticFeeds(
          backends.eventLog,
          {
            tweetsPerSecond: options.tweetRate,
            historyMs: options.history,
            shockShare: options.shockShare,
            ...(options.tickRate !== undefined ? { ticksPerSecond: options.tickRate } : {}),
            watermarkDelayMs: context.config.watermarkDelayMs,
            partitions: context.config.topics.partitions,
            topics: context.config.topics.names,
            logger: context.logger,
          },
          context.shutdown,
        );
        context.logger.info(`demo running: the dashboard at ${address}/, the API at ${address}/docs`);
        return 'serving';
      }),
    );
}
