/**
 * The producers inside `sentiment demo`: a tweet feed and a price feed publishing to the embedded
 * (or any) event log, sharing one RegimeSchedule so the demo's sentiment and returns move
 * together. They run until the shutdown sequence stops them; their close step stops intake and
 * waits for the batch in flight. Each rate governs its own feed, and a rate of 0 starts no feed.
 */
import { randomInt } from 'node:crypto';
import type { EventLog, OutgoingMessage } from '../infra/kafka/event-log.js';
import type { Logger } from '../infra/logger.js';
import type { Shutdown } from '../infra/shutdown.js';
import { type TopicNames, topicNames } from '../schemas/events.js';
import { DEFAULT_WATERMARK_DELAY_MS } from './event-timeline.js';
import { eventTimePacer, ratePacer } from './pacing.js';
import { PriceWalk } from './price-walk.js';
import { type PublishResult, PublishStats, publish } from './publisher.js';
import { DEFAULT_REGIME_PERIOD_MS, RegimeSchedule } from './regime-schedule.js';
import { EventLogSink } from './sinks.js';
import { DEFAULT_SYMBOLS } from './symbols.js';
import { tickMessages, tweetMessages } from './synthetic-source.js';
import { TweetGenerator } from './tweet-generator.js';

export interface SyntheticFeedOptions {
  /**
   * Event time starts this long before now (default 0): that much history is published at once,
   * then the feeds go on in real time at their rates, with no seam in the price walks.
   */
  historyMs?: number;
  /** Default 50 tweets/s; 0: no tweet feed. */
  tweetsPerSecond?: number;
  /** Default one tick per symbol per second; 0: no price feed. */
  ticksPerSecond?: number;
  symbols?: readonly string[];
  /** Fixes the text, ids, walk and regimes; event times stay on the wall clock. Default: random. */
  seed?: number | string;
  /** Default 2 s. */
  jitterMs?: number;
  /** Default 0.02. */
  lateRatio?: number;
  watermarkDelayMs?: number;
  regimePeriodMs?: number;
  regimeDriftPerHour?: number;
  /** Share of bullish/bearish regime periods that are shocks (RegimeSchedule); default 0. */
  shockShare?: number;
  /** Partitions of the topics if they do not exist yet; default 3. */
  partitions?: number;
  /** The topics written; default the product's names without a prefix. */
  topics?: TopicNames;
  logger?: Logger;
}

export interface SyntheticFeeds {
  tweets: PublishStats;
  prices: PublishStats;
  /** Stops both feeds (also done by the shutdown step) and resolves with their results. */
  stop(): Promise<{ tweets: PublishResult; prices: PublishResult }>;
}

export async function startSyntheticFeeds(
  eventLog: EventLog,
  options: SyntheticFeedOptions,
  shutdown: Shutdown,
): Promise<SyntheticFeeds> {
  const seed = options.seed ?? randomInt(2 ** 31);
  const watermarkDelayMs = options.watermarkDelayMs ?? DEFAULT_WATERMARK_DELAY_MS;
  const schedule = new RegimeSchedule({
    seed,
    periodMs: options.regimePeriodMs ?? DEFAULT_REGIME_PERIOD_MS,
    shockShare: options.shockShare ?? 0,
  });
  const tweetsPerSecond = options.tweetsPerSecond ?? 50;
  const symbols = options.symbols;
  const historyMs = options.historyMs ?? 0;
  if (!(historyMs >= 0)) throw new RangeError(`historyMs must be a non-negative number, got ${historyMs}`);
  const ticksPerSecond = options.ticksPerSecond ?? (symbols ?? DEFAULT_SYMBOLS).length;
  // With history, event times come from a virtual clock stepping 1/rate from the past, paced by
  // event time; without, from the wall clock, paced by rate.
  const clock = (rate: number) =>
    historyMs > 0
      ? { clock: 'virtual' as const, startMs: Date.now() - historyMs, ratePerSecond: rate }
      : { clock: 'real' as const, ratePerSecond: rate };
  const walk = new PriceWalk({
    seed,
    ...(symbols ? { symbols } : {}),
    schedule,
    ...(options.regimeDriftPerHour === undefined ? {} : { regimeDriftPerHour: options.regimeDriftPerHour }),
    timeline: {
      // The real clock ignores the rate; a virtual one needs a positive one even for no feed.
      ...clock(ticksPerSecond > 0 ? ticksPerSecond : 1),
      jitterMs: Math.min(options.jitterMs ?? 2000, watermarkDelayMs),
      lateRatio: options.lateRatio ?? 0.02,
      watermarkDelayMs,
    },
  });
  for (const [name, rate] of [
    ['tweetsPerSecond', tweetsPerSecond],
    ['ticksPerSecond', ticksPerSecond],
  ] as const) {
    if (!(rate >= 0)) throw new RangeError(`${name} must be a non-negative number, got ${rate}`);
  }
  const tweetGenerator = () =>
    new TweetGenerator({
      seed,
      ...(symbols ? { symbols } : {}),
      schedule,
      timeline: {
        ...clock(tweetsPerSecond),
        jitterMs: Math.min(options.jitterMs ?? 2000, watermarkDelayMs),
        lateRatio: options.lateRatio ?? 0.02,
        watermarkDelayMs,
      },
    });
  const partitions = options.partitions ?? 3;
  const topics = options.topics ?? topicNames();
  await eventLog.createTopics([
    { name: topics.tweets, partitions },
    { name: topics.prices, partitions },
  ]);

  const abort = new AbortController();
  const stats = { tweets: new PublishStats(), prices: new PublishStats() };
  const run = (topic: string, source: Iterable<OutgoingMessage>, rate: number, s: PublishStats) =>
    publish({
      source,
      sink: new EventLogSink(eventLog, topic),
      pacer: historyMs > 0 ? eventTimePacer() : ratePacer(rate),
      stats: s,
      signal: abort.signal,
      maxBatch: 500,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  // A feed at rate 0 is not started: a pacer cannot space messages 1/0 s apart.
  const idle: Promise<PublishResult> = Promise.resolve({ sent: 0, unsent: 0, errors: 0, reason: 'end' });
  const running = Promise.all([
    tweetsPerSecond > 0
      ? run(topics.tweets, tweetMessages(tweetGenerator()), tweetsPerSecond, stats.tweets)
      : idle,
    ticksPerSecond > 0 ? run(topics.prices, tickMessages(walk), ticksPerSecond, stats.prices) : idle,
  ]).then(([t, p]) => ({ tweets: t, prices: p }));
  options.logger?.info({ seed, tweetsPerSecond, ticksPerSecond, historyMs }, 'synthetic feeds started');

  const stop = async () => {
    abort.abort();
    const results = await running;
    options.logger?.info(
      { tweets: results.tweets.sent, prices: results.prices.sent },
      'synthetic feeds stopped',
    );
    return results;
  };
  shutdown.onShutdown('synthetic feeds', async () => {
    await stop();
  });
  return { tweets: stats.tweets, prices: stats.prices, stop };
}
