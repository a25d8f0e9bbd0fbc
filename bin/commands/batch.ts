/**
 * `sentiment batch run [--from DAY --to DAY] [--strict] [--engine duckdb|spark]`: one batch run
 * now, the asked days or the days with new bronze; `sentiment batch schedule`: runs on BATCH_CRON,
 * with metrics on METRICS_PORT. A run prints what it does (days, tables, rows, seconds) on stdout, and a progress
 * line on stderr when that is a terminal.
 */
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../../infra/config.js';
import type { ObjectStore } from '../../infra/lake/object-store.js';
import type { Logger } from '../../infra/logger.js';
import { type CommandContext, EXIT_USAGE, runCommand } from '../command-runtime.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(value: string): string {
  const ms = Date.parse(`${value}T00:00:00Z`);
  // The round trip refuses days the parser would roll over (2026-02-30 → March 2).
  if (!DAY.test(value) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    throw new InvalidArgumentError('expected a UTC day YYYY-MM-DD');
  return value;
}

/** S3 bronze is cached beside the embedded lake folder (LAKE_DIR's parent), or where --cache-dir says. */
const defaultCacheDir = (config: Config) => join(dirname(resolve(config.lakeDir)), 'batch-cache');

/** A status line that rewrites itself on a terminal; nothing elsewhere (logs stay clean). */
function statusLine(stream: NodeJS.WriteStream) {
  let shown = false;
  return {
    show(text: string) {
      if (!stream.isTTY) return;
      stream.write(`\r\x1b[K${text.slice(0, (stream.columns ?? 100) - 1)}`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}

function reporter() {
  const status = statusLine(process.stderr);
  return {
    log: (line: string) => {
      status.clear();
      process.stdout.write(`${line}\n`);
    },
    progress: (text: string) => status.show(text),
    done: () => status.clear(),
  };
}

async function openLake(context: CommandContext) {
  const { openObjectStore } = await import('../../infra/backends.js');
  const [store] = await openObjectStore(context.config, context.logger, {});
  context.shutdown.onShutdown('lake', () => store.close());
  return store;
}

interface RunFlags {
  from?: string;
  to?: string;
  strict?: boolean;
  cacheDir?: string;
  engine: 'duckdb' | 'spark';
}

/** The Spark engine as SPARK_MASTER, SPARK_SUBMIT and SPARK_DRIVER_MEMORY say. */
async function openSpark(config: Config) {
  const { SparkEngine } = await import('../../batch-layer/spark-engine.js');
  return SparkEngine.open({
    sparkSubmit: config.spark.submit,
    master: config.spark.master,
    driverMemory: config.spark.driverMemory,
  });
}

function runSubcommand(): Command {
  return new Command('run')
    .description(
      'recompute gold now: the days --from..--to, or else the days with bronze new since the last run',
    )
    .addOption(new Option('--from <day>', 'first UTC day (YYYY-MM-DD) to recompute').argParser(parseDay))
    .addOption(new Option('--to <day>', 'last UTC day to recompute (default: --from)').argParser(parseDay))
    .option('--strict', 'exit 1 when a bronze object had to be skipped')
    .option('--cache-dir <path>', 'where S3 bronze objects are cached (default: beside LAKE_DIR)')
    .addOption(
      new Option('--engine <engine>', 'run the models on DuckDB or on Spark (SPARK_MASTER)')
        .choices(['duckdb', 'spark'])
        .default('duckdb'),
    )
    .action((flags: RunFlags) =>
      runCommand('batch', async (context) => {
        if (flags.to && !flags.from) {
          process.stderr.write('sentiment batch run: --to needs --from\n');
          return EXIT_USAGE;
        }
        const from = flags.from;
        const to = flags.to ?? flags.from;
        if (from && to && to < from) {
          process.stderr.write(`sentiment batch run: --to ${to} is before --from ${from}\n`);
          return EXIT_USAGE;
        }
        const [{ runBatch }, { LockHeldError }] = await Promise.all([
          import('../../batch-layer/batch-run.js'),
          import('../../batch-layer/run-lock.js'),
        ]);
        const store = await openLake(context);
        const out = reporter();
        try {
          const manifest = await runBatch({
            store,
            cacheDir: flags.cacheDir ?? defaultCacheDir(context.config),
            ...(from && to ? { range: { from, to } } : {}),
            ...(flags.engine === 'spark' ? { openEngine: () => openSpark(context.config) } : {}),
            log: out.log,
            progress: out.progress,
          });
          out.done();
          if (manifest.errors.length > 0 && flags.strict) {
            process.stderr.write(
              `sentiment batch run: ${manifest.errors.length} bronze objects skipped (--strict)\n`,
            );
            return 1;
          }
          return 0;
        } catch (error) {
          out.done();
          if (error instanceof LockHeldError) {
            process.stderr.write(`sentiment batch run: ${error.message}\n`);
            return 1;
          }
          throw error;
        }
      }),
    );
}

function scheduleSubcommand(): Command {
  return new Command('schedule')
    .description('run the batch on BATCH_CRON; metrics on METRICS_PORT')
    .option('--cache-dir <path>', 'where S3 bronze objects are cached (default: beside LAKE_DIR)')
    .action((flags: { cacheDir?: string }) =>
      runCommand('batch', async (context) => {
        const store = await openLake(context);
        await startBatchSchedule(context, store, { cacheDir: flags.cacheDir, serveMetricsPort: true });
        return 'serving';
      }),
    );
}

/**
 * Runs the batch on `cron` (default BATCH_CRON) until shutdown: `batch schedule`, and `demo`
 * in-process every few minutes on its own lake.
 */
export async function startBatchSchedule(
  context: CommandContext,
  store: ObjectStore,
  options: { cron?: string; cacheDir?: string | undefined; serveMetricsPort?: boolean },
): Promise<void> {
  const [{ scheduleBatch }, { BatchMetrics }, { serveMetrics }] = await Promise.all([
    import('../../batch-layer/scheduler.js'),
    import('../../batch-layer/metrics.js'),
    import('../../producers/metrics.js'),
  ]);
  const { config, logger } = context;
  const cron = options.cron ?? config.batchCron;
  const metrics = new BatchMetrics();
  const job = scheduleBatch({
    cron,
    metrics,
    run: () => ({
      store,
      cacheDir: options.cacheDir ?? defaultCacheDir(config),
      log: (line) => logger.info(line),
    }),
    onError: (error) => logger.error({ err: error }, `batch run failed: ${error.message}`),
    onSkip: (reason) => logger.warn(`batch run skipped: ${reason}`),
  });
  context.shutdown.onShutdown('batch schedule', async () => job.stop());
  if (options.serveMetricsPort && config.metricsPort !== undefined) {
    const server = await serveMetrics(metrics.registry, config.metricsPort, config.api.host);
    context.shutdown.onShutdown('metrics', () => new Promise<void>((done) => server.close(() => done())));
  }
  logNext(logger, cron, job.next());
}

function logNext(logger: Logger, cron: string, next: Date | null): void {
  logger.info(`batch schedule ${JSON.stringify(cron)}: next run ${next?.toISOString() ?? 'never'}`);
}

export function batchCommand(): Command {
  return new Command('batch')
    .description('recompute the gold tables from bronze, now (run) or on BATCH_CRON (schedule)')
    .addCommand(runSubcommand())
    .addCommand(scheduleSubcommand());
}
