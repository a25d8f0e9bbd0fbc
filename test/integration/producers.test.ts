/**
 * The producers against real Kafka (KAFKA_BROKERS, set by `npm run test:integration`): N tweets
 * and N ticks go through the publisher and the real adapter and N come back, each one valid;
 * `sentiment produce tweets --to kafka` publishes exactly the seeded stream to `tweets`; and a
 * broker restart in the middle of a run makes the publisher wait and resume without dropping.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import type { LogMessage } from '../../infra/kafka/event-log.js';
import { KafkaEventLog } from '../../infra/kafka/kafka-event-log.js';
import { down, up } from '../../infra/local/index.js';
import { sleep } from '../../infra/retry.js';
import { ratePacer } from '../../producers/pacing.js';
import { PriceWalk } from '../../producers/price-walk.js';
import { PublishStats, publish } from '../../producers/publisher.js';
import { EventLogSink } from '../../producers/sinks.js';
import { tickMessages, tweetMessages } from '../../producers/synthetic-source.js';
import { TweetGenerator } from '../../producers/tweet-generator.js';
import { decodePriceTick, decodeTweet, TOPICS } from '../../schemas/events.js';

const config = loadConfig(process.env);
if (!config.kafka) throw new Error('KAFKA_BROKERS is not set: run through `npm run test:integration`');
const kafka = config.kafka;
const N = 5000;
const timeline = { clock: 'virtual', ratePerSecond: 1000, jitterMs: 2000, lateRatio: 0.03 } as const;

/** Reads `topic` from the beginning with a fresh group until `done` says so (or a deadline). */
async function readBack(
  log: KafkaEventLog,
  topic: string,
  done: (seen: LogMessage[]) => boolean,
): Promise<LogMessage[]> {
  const consumer = await log.consumer({
    groupId: `it-producers-${randomUUID().slice(0, 8)}`,
    topics: [topic],
    fromBeginning: true,
  });
  const seen: LogMessage[] = [];
  const deadline = Date.now() + 60_000;
  try {
    while (!done(seen) && Date.now() < deadline)
      seen.push(...(await consumer.poll({ maxMessages: 5000, maxWaitMs: 500 })));
  } finally {
    await consumer.close();
  }
  return seen;
}

describe('producers on a real broker', () => {
  let log: KafkaEventLog;
  beforeAll(async () => {
    log = new KafkaEventLog({ brokers: kafka.brokers, clientId: `it-producers-${randomUUID().slice(0, 6)}` });
  });
  afterAll(async () => {
    await log.close();
  });

  it('publishes N tweets keyed by id and N ticks keyed by symbol, and N valid ones come back', async () => {
    const suffix = randomUUID().slice(0, 8);
    const tweetsTopic = `it-producers-tweets-${suffix}`;
    const ticksTopic = `it-producers-ticks-${suffix}`;
    await log.createTopics([
      { name: tweetsTopic, partitions: 3 },
      { name: ticksTopic, partitions: 3 },
    ]);
    const [tweets, ticks] = await Promise.all([
      publish({
        source: tweetMessages(new TweetGenerator({ seed: suffix, timeline }), { count: N }),
        sink: new EventLogSink(log, tweetsTopic),
        maxBatch: 500,
      }),
      publish({
        source: tickMessages(new PriceWalk({ seed: suffix, timeline }), { count: N }),
        sink: new EventLogSink(log, ticksTopic),
        maxBatch: 500,
      }),
    ]);
    expect(tweets).toMatchObject({ sent: N, unsent: 0, reason: 'end' });
    expect(ticks).toMatchObject({ sent: N, unsent: 0, reason: 'end' });

    const tweetMessagesBack = await readBack(log, tweetsTopic, (seen) => seen.length >= N);
    expect(tweetMessagesBack).toHaveLength(N);
    const ids = new Set<string>();
    for (const m of tweetMessagesBack) {
      const decoded = decodeTweet(m.value);
      expect(decoded.ok).toBe(true);
      if (decoded.ok) {
        expect(m.key).toBe(decoded.value.id);
        ids.add(decoded.value.id);
      }
    }
    expect(ids.size).toBe(N);

    const tickMessagesBack = await readBack(log, ticksTopic, (seen) => seen.length >= N);
    expect(tickMessagesBack).toHaveLength(N);
    const lastClose = new Map<string, number>();
    for (const m of tickMessagesBack) {
      const decoded = decodePriceTick(m.value);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      expect(m.key).toBe(decoded.value.symbol);
      // Keyed by symbol, one partition per symbol: each symbol's ticks arrive in order, open = last close.
      const previous = lastClose.get(decoded.value.symbol);
      if (previous !== undefined) expect(decoded.value.open_price).toBe(previous);
      lastClose.set(decoded.value.symbol, decoded.value.close_price);
    }
    expect(lastClose.size).toBe(14);
  });

  it('`sentiment produce tweets --to kafka` publishes exactly the seeded stream to the tweets topic', async () => {
    const seed = `it-${randomUUID().slice(0, 8)}`;
    const start = '2025-03-03T15:00:00Z';
    const count = 1000;
    const root = new URL('../..', import.meta.url).pathname;
    await promisify(execFile)(
      'node',
      [
        join(root, 'bin/sentiment.js'),
        'produce',
        'tweets',
        '--count',
        String(count),
        '--seed',
        seed,
        '--start',
        start,
        '--rate',
        'max',
        '--to',
        'kafka',
      ],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    // The same generator in-process tells which tweets the CLI must have sent.
    const expected = new Map(
      [
        ...tweetMessages(
          new TweetGenerator({
            seed,
            timeline: { ...timeline, ratePerSecond: Number.POSITIVE_INFINITY, startMs: Date.parse(start) },
          }),
          { count },
        ),
      ].map((m) => [m.key as string, m.value as string]),
    );
    const found = new Map<string, string>();
    await readBack(log, TOPICS.tweets, (seen) => {
      for (const m of seen.splice(0)) {
        if (m.key !== null && expected.has(m.key)) found.set(m.key, new TextDecoder().decode(m.value));
      }
      return found.size >= count;
    });
    expect(found.size).toBe(count);
    for (const [id, value] of found) expect(value).toBe(expected.get(id));
  });

  it('waits through a broker restart and resumes, dropping nothing', { timeout: 400_000 }, async () => {
    const topic = `it-producers-outage-${randomUUID().slice(0, 8)}`;
    await log.createTopics([{ name: topic, partitions: 3 }]);
    const count = 12_000;
    const stats = new PublishStats();
    const running = publish({
      source: tweetMessages(new TweetGenerator({ seed: topic, timeline }), { count }),
      sink: new EventLogSink(log, topic),
      pacer: ratePacer(1000),
      stats,
      retry: { initialDelayMs: 200, maxDelayMs: 2000 },
    });
    let restarted = false;
    try {
      while (stats.sent < 2000) await sleep(100);
      await down(['kafka']);
      await sleep(3000);
    } finally {
      // Leave Kafka running for the other integration files whatever happens.
      await up(['kafka']);
      restarted = true;
    }
    const result = await running;
    expect(restarted).toBe(true);
    expect(result).toMatchObject({ sent: count, unsent: 0, reason: 'end' });
    expect(result.errors).toBeGreaterThan(0);

    const expected = new Set(
      [...tweetMessages(new TweetGenerator({ seed: topic, timeline }), { count })].map(
        (m) => m.key as string,
      ),
    );
    const found = new Set<string>();
    await readBack(log, topic, (seen) => {
      for (const m of seen.splice(0)) if (m.key !== null) found.add(m.key);
      return found.size >= count;
    });
    // At-least-once: a batch retried after a half-done send may appear twice, but none is missing.
    expect([...expected].filter((id) => !found.has(id))).toEqual([]);
  });
});
