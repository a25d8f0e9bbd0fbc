/**
 * `sentiment produce tweets|prices|replay`: the producers' command line. The generators and the
 * replay reader are pure (producers/); this file picks the output (Kafka through the event-log
 * port, or stdout), the pacing, the metrics endpoint and the progress line, and reports a summary.
 */
import { access } from 'node:fs/promises';
import { Command, Option } from 'commander';
import {
  parseCount,
  parseFiniteNumber,
  parseNonNegativeDuration,
  parseNonNegativeNumber,
  parsePort,
  parsePositiveDuration,
  parseRate,
  parseRatio,
  parseSeed,
  parseSpeed,
  parseStart,
  parseSymbols,
} from '../../producers/cli-options.js';
import type { EventTimelineOptions } from '../../producers/event-timeline.js';
import { liveRegistry } from '../../producers/live/live-metrics.js';
import { liveSetup } from '../../producers/live/live-setup.js';
import { LiveSource } from '../../producers/live/live-source.js';
import type { LiveSourceName } from '../../producers/live/symbol-map.js';
import { TradeAggregator } from '../../producers/live/trade-aggregator.js';
import { producerRegistry, serveMetrics } from '../../producers/metrics.js';
import { type Pacer, ratePacer, replayPacer } from '../../producers/pacing.js';
import { PriceWalk } from '../../producers/price-walk.js';
import { startProgressLine } from '../../producers/progress.js';
import { type PublishResult, PublishStats, publish } from '../../producers/publisher.js';
import { DEFAULT_REGIME_SEED, RegimeSchedule } from '../../producers/regime-schedule.js';
import { RejectFile } from '../../producers/reject-file.js';
import {
  formatFromPath,
  type ReplayFormat,
  type ReplayTopic,
  readReplayRows,
} from '../../producers/replay-reader.js';
import { replayMessages } from '../../producers/replay-source.js';
import { EventLogSink, JsonLinesSink, type Sink } from '../../producers/sinks.js';
import { tickMessages, tweetMessages } from '../../producers/synthetic-source.js';
import { TweetGenerator } from '../../producers/tweet-generator.js';
import { TOPICS } from '../../schemas/events.js';
import {
  type CommandContext,
  EXIT_USAGE,
  openEventLogUntilShutdown,
  runCommand,
} from '../command-runtime.js';

type Output = 'kafka' | 'stdout';

interface OutputOptions {
  to: Output;
  metricsPort?: number;
  batchSize?: number;
}

interface SyntheticOptions extends OutputOptions {
  count?: number;
  duration?: number;
  rate: number;
  seed?: string;
  start?: number;
  realtime?: boolean;
  jitter: number;
  lateRatio: number;
  symbols?: string[];
  regimePeriod: number;
  shockShare: number;
}

interface TweetOptions extends SyntheticOptions {
  users: number;
}

interface PriceOptions extends SyntheticOptions {
  drift: number;
  volatility: number;
  regimeDrift: number;
}

interface ReplayOptions extends OutputOptions {
  file: string;
  topic: ReplayTopic;
  speed: number;
  rejects?: string;
  format?: ReplayFormat;
}

interface LiveOptions extends OutputOptions {
  source: LiveSourceName;
  symbols: string[];
  klines?: boolean;
  maxSymbols?: number;
  grace: number;
  idleFlush: number;
  silenceTimeout: number;
  rejects?: string;
}

function usageError(message: string): number {
  process.stderr.write(`sentiment produce: ${message}\n`);
  return EXIT_USAGE;
}

function outputOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--to <output>', 'kafka (needs KAFKA_BROKERS) or stdout (JSON lines)')
        .choices(['kafka', 'stdout'])
        .default('kafka'),
    )
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve Prometheus counters on /metrics (default: METRICS_PORT)',
      ).argParser(parsePort),
    )
    .addOption(new Option('--batch-size <n>', 'most messages per batch').argParser(parseCount).default(1000));
}

function syntheticOptions(command: Command, defaultRate: number): Command {
  return outputOptions(
    command
      .addOption(new Option('--count <n>', 'stop after N events').argParser(parseCount).conflicts('duration'))
      .addOption(
        new Option('--duration <d>', 'stop after this much event time, e.g. 30s, 10m').argParser(
          parsePositiveDuration,
        ),
      )
      .addOption(
        new Option('--rate <r>', 'events per second, or "max"').argParser(parseRate).default(defaultRate),
      )
      .addOption(
        new Option('--seed <s>', 'deterministic output: same seed, same bytes (virtual clock)').argParser(
          parseSeed,
        ),
      )
      .addOption(
        new Option('--start <time>', 'virtual clock start: ISO-8601, "YYYY-MM-DD HH:mm:ss" or now').argParser(
          parseStart,
        ),
      )
      .addOption(new Option('--realtime', 'stamp events with the wall clock even with --seed'))
      .addOption(
        new Option('--jitter <d>', 'event time = clock minus up to this (out-of-order events)')
          .argParser(parseNonNegativeDuration)
          .default(2000, '2s'),
      )
      .addOption(
        new Option('--late-ratio <x>', 'share of events older than the watermark (late)')
          .argParser(parseRatio)
          .default(0.03),
      )
      .addOption(
        new Option(
          '--symbols <list>',
          'comma-separated symbols (default: 12 large caps, BTC, ETH)',
        ).argParser(parseSymbols),
      )
      .addOption(
        new Option('--regime-period <d>', 'length of a sentiment regime period')
          .argParser(parsePositiveDuration)
          .default(600_000, '10m'),
      )
      .addOption(
        new Option(
          '--shock-share <x>',
          'share of bullish/bearish periods that are shocks (a crash or a squeeze: what the alert rules catch); give tweets and prices the same value',
        )
          .argParser(parseRatio)
          .default(0),
      ),
  );
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

function produceTweets(options: TweetOptions, context: CommandContext): Promise<number> {
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

function producePrices(options: PriceOptions, context: CommandContext): Promise<number> {
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

async function produceReplay(options: ReplayOptions, context: CommandContext): Promise<number> {
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
async function produceLive(options: LiveOptions, context: CommandContext): Promise<number> {
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

export function produceCommand(): Command {
  const produce = new Command('produce').description(
    'publish synthetic, replayed or live tweets and price ticks',
  );

  produce.addCommand(
    syntheticOptions(
      new Command('tweets').description(
        'synthetic finance tweets with cashtags, following the sentiment regimes',
      ),
      500,
    )
      .addOption(
        new Option('--users <n>', 'size of the author population').argParser(parseCount).default(5000),
      )
      .action((options: TweetOptions) => runCommand('produce', (context) => produceTweets(options, context))),
  );

  produce.addCommand(
    syntheticOptions(
      new Command('prices').description(
        'price ticks from a geometric random walk per symbol, drifting with the regimes',
      ),
      100,
    )
      .addOption(
        new Option('--drift <x>', 'drift per hour, e.g. 0.001 = +0.1%/h')
          .argParser(parseFiniteNumber)
          .default(0),
      )
      .addOption(
        new Option('--volatility <x>', 'volatility per sqrt(hour), scaled per symbol')
          .argParser(parseNonNegativeNumber)
          .default(0.01),
      )
      .addOption(
        new Option(
          '--regime-drift <x>',
          'drift per hour added in bullish, subtracted in bearish regimes; 0 uncouples',
        )
          .argParser(parseFiniteNumber)
          .default(0.03),
      )
      .action((options: PriceOptions) => runCommand('produce', (context) => producePrices(options, context))),
  );

  produce.addCommand(
    outputOptions(
      new Command('replay')
        .description('replay a JSONL or CSV file of tweets or ticks; bad rows go to a reject file')
        .requiredOption('--file <path>', 'the file to replay (.jsonl/.ndjson or .csv with a header row)')
        .addOption(
          new Option('--topic <topic>', 'what the file holds')
            .choices([TOPICS.tweets, TOPICS.prices])
            .makeOptionMandatory(),
        )
        .addOption(
          new Option('--speed <s>', '1 = original pace, N = N times faster, max = as fast as possible')
            .argParser(parseSpeed)
            .default(Number.POSITIVE_INFINITY, 'max'),
        )
        .addOption(new Option('--rejects <path>', 'reject file (default: <file>.rejects.jsonl)'))
        .addOption(
          new Option('--format <format>', 'file format (default: from the extension)').choices([
            'jsonl',
            'csv',
          ]),
        ),
    ).action((options: ReplayOptions) => runCommand('produce', (context) => produceReplay(options, context))),
  );
  produce.addCommand(
    outputOptions(
      new Command('live')
        .description(
          'one-second ticks from live trades: Finnhub (stocks, needs FINNHUB_TOKEN) or Binance (crypto)',
        )
        .addOption(
          new Option('--source <service>', 'the WebSocket service')
            .choices(['finnhub', 'binance'])
            .makeOptionMandatory(),
        )
        .addOption(
          new Option(
            '--symbols <list>',
            "comma-separated, ours (AAPL, BTC) or the service's (BINANCE:BTCUSDT, BTCUSDT)",
          )
            .argParser((raw: string) =>
              raw
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            )
            .makeOptionMandatory(),
        )
        .addOption(
          new Option(
            '--klines',
            'Binance: also read @kline_1m and count trades a closed minute had that we missed',
          ),
        )
        .addOption(
          new Option('--max-symbols <n>', 'Finnhub: symbols your plan streams')
            .argParser(parseCount)
            .default(50),
        )
        .addOption(
          new Option('--grace <d>', 'a second is closed once a trade this much past its end arrives')
            .argParser(parseNonNegativeDuration)
            .default(1000, '1s'),
        )
        .addOption(
          new Option(
            '--idle-flush <d>',
            "a symbol's open second is closed after this long without its trades",
          )
            .argParser(parsePositiveDuration)
            .default(2000, '2s'),
        )
        .addOption(
          new Option('--silence-timeout <d>', 'no frame, ping or pong for this long: replace the connection')
            .argParser(parsePositiveDuration)
            .default(30_000, '30s'),
        )
        .addOption(new Option('--rejects <path>', 'reject file (default: live-<source>.rejects.jsonl)')),
    ).action((options: LiveOptions) => runCommand('produce', (context) => produceLive(options, context))),
  );
  return produce;
}
