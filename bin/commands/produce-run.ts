/**
 * What `sentiment produce` does once its arguments are parsed: the outputs, pacing, metrics and
 * progress line around the generators, the replay reader and the live sources. Loaded by the
 * command on use, so that no other command pays for the producers' modules (faker, ws, …) at start.
 */
import { access } from 'node:fs/promises';
import type { EventTimelineOptions } from '../../producers/event-timeline.js';
import { liveRegistry } from '../../producers/live/live-metrics.js';
import { liveSetup } from '../../producers/live/live-setup.js';
import { LiveSource } from '../../producers/live/live-source.js';
import { TradeAggregator } from '../../producers/live/trade-aggregator.js';
import { producerRegistry, serveMetrics } from '../../producers/metrics.js';
import { type Pacer, ratePacer, replayPacer } from '../../producers/pacing.js';
import { PriceWalk } from '../../producers/price-walk.js';
import { startProgressLine } from '../../producers/progress.js';
import { type PublishResult, PublishStats, publish } from '../../producers/publisher.js';
import { DEFAULT_REGIME_SEED, RegimeSchedule } from '../../producers/regime-schedule.js';
import { RejectFile } from '../../producers/reject-file.js';
import { formatFromPath, readReplayRows } from '../../producers/replay-reader.js';
import { replayMessages } from '../../producers/replay-source.js';
import { EventLogSink, JsonLinesSink, type Sink } from '../../producers/sinks.js';
import { tickMessages, tweetMessages } from '../../producers/synthetic-source.js';
import { TweetGenerator } from '../../producers/tweet-generator.js';
import { TOPICS } from '../../schemas/events.js';
import { type CommandContext, EXIT_USAGE, openEventLogUntilShutdown } from '../command-runtime.js';

import type {
  LiveOptions,
  Output,
  OutputOptions,
  PriceOptions,
  ReplayOptions,
  SyntheticOptions,
  TweetOptions,
} from './produce.js';

function usageError(message: string): number {
  process.stderr.write(`sentiment produce: ${message}\n`);
  return EXIT_USAGE;
}

/** Kafka when asked for; the embedded log lives only inside `sentiment demo`, so it is refused here. */
async function openOutput(
  context: CommandContext,
  to: Output,
  topic: string,
): Promise<{ sink: Sink } | { error: string }> {
  if (to === 'stdout') return { sink: new JsonLinesSink(process.stdout) };
  if (!context.config.kafka) {
    return {
      error:
        '--to kafka needs KAFKA_BROKERS (e.g. KAFKA_BROKERS=127.0.0.1:9092); use --to stdout to write JSON lines, or `sentiment demo` for the embedded pipeline',
    };
  }
  // A producer needs the event log and nothing else: no view store, no lake. It creates only the
  // topic it writes (a no-op when it exists); the commands that open all backends create the rest.
  const eventLog = await openEventLogUntilShutdown(context);
  await eventLog.createTopics([
    {
      name: topic,
      partitions: context.config.topics.partitions,
      retentionMs: context.config.topics.retentionMs,
    },
  ]);
  return { sink: new EventLogSink(eventLog, topic) };
}

async function runPublisher(
  context: CommandContext,
  label: string,
  topic: string,
  options: OutputOptions,
  sink: Sink,
  source: Parameters<typeof publish>[0]['source'],
  pacer: Pacer,
  stats: PublishStats,
): Promise<PublishResult> {
  const { logger, shutdown, config } = context;
  const metricsPort = options.metricsPort ?? config.metricsPort;
  if (metricsPort !== undefined) {
    const server = await serveMetrics(producerRegistry(topic, stats), metricsPort, config.api.host);
    shutdown.onShutdown('metrics', () => new Promise<void>((resolve) => server.close(() => resolve())));
    logger.info({ port: metricsPort }, `metrics on http://${config.api.host}:${metricsPort}/metrics`);
  }
  const abort = new AbortController();
  const progress = startProgressLine(label, stats);
  const running = publish({
    source,
    sink,
    pacer,
    stats,
    signal: abort.signal,
    ...(options.batchSize === undefined ? {} : { maxBatch: options.batchSize }),
    logger,
  }).finally(() => progress.stop());
  // Registered last, so on a signal it runs first: stop intake, send the batch at hand, then close.
  shutdown.onShutdown('producer', async () => {
    abort.abort();
    await running.catch(() => undefined);
  });
  const result = await running;
  logger.info(
    { topic, output: sink.description, ...result, rejects: stats.rejects },
    `${label}: ${result.reason}`,
  );
  return result;
}

function exitCodeOf(result: PublishResult): number {
  // A closed stdout (`| head`) is a normal way to end; undelivered messages are not.
  return result.reason === 'output-closed' || result.unsent === 0 ? 0 : 1;
}

function timelineOf(options: SyntheticOptions, context: CommandContext): EventTimelineOptions | string {
  const watermarkDelayMs = context.config.watermarkDelayMs;
  if (options.jitter > watermarkDelayMs) {
    return `--jitter ${options.jitter}ms exceeds the watermark delay (${watermarkDelayMs}ms): on-time events would be late`;
  }
  const virtual = !options.realtime && (options.seed !== undefined || options.start !== undefined);
  return {
    clock: virtual ? 'virtual' : 'real',
    ...(options.start === undefined ? {} : { startMs: options.start }),
    ratePerSecond: options.rate,
    jitterMs: options.jitter,
    lateRatio: options.lateRatio,
    watermarkDelayMs,
  };
}

function seedOf(options: SyntheticOptions): string {
  return options.seed ?? String(Math.floor(Math.random() * 2 ** 31));
}

/**
 * The steps both synthetic feeds share: event timeline, output, seeded regimes, count/duration
 * limit and the paced publisher. `messages` builds the feed's generator from them.
 */
async function produceSynthetic(
  kind: 'tweets' | 'prices',
  options: SyntheticOptions,
  context: CommandContext,
  messages: (inputs: {
    seed: string;
    schedule: RegimeSchedule;
    timeline: EventTimelineOptions;
    limit: { count?: number; durationMs?: number };
  }) => ReturnType<typeof tweetMessages>,
): Promise<number> {
  const timeline = timelineOf(options, context);
  if (typeof timeline === 'string') return usageError(timeline);
  const names = context.config.topics.names;
  const topic = kind === 'tweets' ? names.tweets : names.prices;
  const output = await openOutput(context, options.to, topic);
  if ('error' in output) return usageError(output.error);
  // Unseeded runs share the default regime schedule, so a tweets and a prices process started
  // separately still follow the same regimes (regimes are indexed by event time).
  const schedule = new RegimeSchedule({
    seed: options.seed ?? DEFAULT_REGIME_SEED,
    periodMs: options.regimePeriod,
    shockShare: options.shockShare,
  });
  const limit = {
    ...(options.count ? { count: options.count } : {}),
    ...(options.duration ? { durationMs: options.duration } : {}),
  };
  const source = messages({ seed: seedOf(options), schedule, timeline, limit });
  const result = await runPublisher(
    context,
    kind,
    topic,
    options,
    output.sink,
    source,
    ratePacer(options.rate),
    new PublishStats(),
  );
  return exitCodeOf(result);
}

export function produceTweets(options: TweetOptions, context: CommandContext): Promise<number> {
  return produceSynthetic('tweets', options, context, ({ seed, schedule, timeline, limit }) =>
    tweetMessages(
      new TweetGenerator({
        seed,
        ...(options.symbols ? { symbols: options.symbols } : {}),
        users: options.users,
        schedule,
        timeline,
      }),
      limit,
    ),
  );
}

export function producePrices(options: PriceOptions, context: CommandContext): Promise<number> {
  return produceSynthetic('prices', options, context, ({ seed, schedule, timeline, limit }) =>
    tickMessages(
      new PriceWalk({
        seed,
        ...(options.symbols ? { symbols: options.symbols } : {}),
        driftPerHour: options.drift,
        volatilityPerHour: options.volatility,
        regimeDriftPerHour: options.regimeDrift,
        schedule,
        timeline,
      }),
      limit,
    ),
  );
}

export async function produceReplay(options: ReplayOptions, context: CommandContext): Promise<number> {
  try {
    await access(options.file);
  } catch {
    return usageError(`--file ${options.file}: no such readable file`);
  }
  const format = options.format ?? formatFromPath(options.file);
  if (!format)
    return usageError(`--file ${options.file}: cannot tell the format from the name; add --format jsonl|csv`);
  // --topic names what the file holds; the topic written is that name behind KAFKA_TOPIC_PREFIX.
  const names = context.config.topics.names;
  const physical = options.topic === TOPICS.tweets ? names.tweets : names.prices;
  const output = await openOutput(context, options.to, physical);
  if ('error' in output) return usageError(output.error);
  const rejects = new RejectFile(options.rejects ?? `${options.file}.rejects.jsonl`);
  const stats = new PublishStats();
  const source = replayMessages(readReplayRows(options.file, options.topic, format), rejects, stats);
  let result: PublishResult;
  try {
    result = await runPublisher(
      context,
      'replay',
      physical,
      options,
      output.sink,
      source,
      replayPacer(options.speed),
      stats,
    );
  } finally {
    await rejects.close();
  }
  process.stderr.write(
    `replayed ${options.file}: ${result.sent} sent, ${stats.rejects} rejected${stats.rejects > 0 ? ` (rows listed in ${rejects.path})` : ''}\n`,
  );
  return exitCodeOf(result);
}

/**
 * `produce live`: trades from a service's WebSocket, as one-second ticks into stock-prices. On
 * SIGTERM the source closes its open seconds, the publisher sends them, then the process exits 0.
 */
export async function produceLive(options: LiveOptions, context: CommandContext): Promise<number> {
  const { logger, shutdown, config } = context;
  const topic = config.topics.names.prices;
  const rejects = new RejectFile(options.rejects ?? `live-${options.source}.rejects.jsonl`);
  const stats = new PublishStats();
  let source: LiveSource;
  try {
    const setup = liveSetup(options, config.live);
    source = new LiveSource({
      protocol: setup.protocol,
      symbols: setup.symbols,
      aggregator: new TradeAggregator({
        graceMs: options.grace,
        idleFlushMs: options.idleFlush,
        countMinutes: options.klines ?? false,
      }),
      rejects,
      logger,
      publishStats: stats,
      silenceTimeoutMs: options.silenceTimeout,
      secrets: setup.secrets,
    });
    logger.info(
      { source: options.source, endpoint: setup.protocol.endpoint, symbols: setup.symbols.ourSymbols() },
      `live ${options.source}: ${setup.symbols.providerSymbols().join(', ')}`,
    );
  } catch (error) {
    return usageError((error as Error).message);
  }
  const output = await openOutput(context, options.to, topic);
  if ('error' in output) return usageError(output.error);
  const metricsPort = options.metricsPort ?? config.metricsPort;
  if (metricsPort !== undefined) {
    const registry = liveRegistry(topic, options.source, stats, source.stats);
    const server = await serveMetrics(registry, metricsPort, config.api.host);
    shutdown.onShutdown('metrics', () => new Promise<void>((resolve) => server.close(() => resolve())));
    logger.info({ port: metricsPort }, `metrics on http://${config.api.host}:${metricsPort}/metrics`);
  }
  const progress = startProgressLine(`live ${options.source}`, stats);
  // No abort signal: stopping the source ends its stream, so the publisher sends what it flushed.
  const running = publish({
    source: source.messages(),
    sink: output.sink,
    stats,
    ...(options.batchSize === undefined ? {} : { maxBatch: options.batchSize }),
    logger,
  }).finally(() => progress.stop());
  shutdown.onShutdown('live source', async () => {
    source.stop();
    await running.catch(() => undefined);
    await rejects.close();
  });
  const result = await running;
  await rejects.close();
  logger.info(
    { topic, output: output.sink.description, ...result, ...source.stats },
    `live ${options.source}: ${source.failure ?? result.reason}`,
  );
  if (source.failure) {
    process.stderr.write(`sentiment produce live: ${source.failure}\n`);
    return 1;
  }
  return exitCodeOf(result);
}
