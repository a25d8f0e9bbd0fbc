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
import type { LiveSourceName } from '../../producers/live/symbol-map.js';
import type { ReplayFormat, ReplayTopic } from '../../producers/replay-reader.js';
import { TOPICS } from '../../schemas/events.js';
import { runCommand } from '../command-runtime.js';

export type Output = 'kafka' | 'stdout';

export interface OutputOptions {
  to: Output;
  metricsPort?: number;
  batchSize?: number;
}

export interface SyntheticOptions extends OutputOptions {
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

export interface TweetOptions extends SyntheticOptions {
  users: number;
}

export interface PriceOptions extends SyntheticOptions {
  drift: number;
  volatility: number;
  regimeDrift: number;
}

export interface ReplayOptions extends OutputOptions {
  file: string;
  topic: ReplayTopic;
  speed: number;
  rejects?: string;
  format?: ReplayFormat;
}

export interface LiveOptions extends OutputOptions {
  source: LiveSourceName;
  symbols: string[];
  klines?: boolean;
  maxSymbols?: number;
  grace: number;
  idleFlush: number;
  silenceTimeout: number;
  rejects?: string;
}

/** The run functions, loaded on use. */
const run = () => import('./produce-run.js');

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
      .action((options: TweetOptions) =>
        runCommand('produce', async (context) => (await run()).produceTweets(options, context)),
      ),
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
      .action((options: PriceOptions) =>
        runCommand('produce', async (context) => (await run()).producePrices(options, context)),
      ),
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
    ).action((options: ReplayOptions) =>
      runCommand('produce', async (context) => (await run()).produceReplay(options, context)),
    ),
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
    ).action((options: LiveOptions) =>
      runCommand('produce', async (context) => (await run()).produceLive(options, context)),
    ),
  );
  return produce;
}
