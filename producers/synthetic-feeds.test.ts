import { describe, expect, it } from 'vitest';
import type { LogMessage } from '../infra/kafka/event-log.js';
import { MemoryEventLog } from '../infra/kafka/memory-event-log.js';
import { createLogger } from '../infra/logger.js';
import { Shutdown } from '../infra/shutdown.js';
import { decodePriceTick, decodeTweet, TOPICS } from '../schemas/events.js';
import { startSyntheticFeeds } from './synthetic-feeds.js';

describe('synthetic feeds inside the demo', () => {
  it('publish valid tweets and ticks to the event log until the shutdown stops them', async () => {
    const log = new MemoryEventLog();
    const shutdown = new Shutdown(createLogger('silent'));
    const feeds = await startSyntheticFeeds(
      log,
      { tweetsPerSecond: 2000, ticksPerSecond: 500, seed: 5 },
      shutdown,
    );
    const consumer = await log.consumer({
      groupId: 't',
      topics: [TOPICS.tweets, TOPICS.prices],
      fromBeginning: true,
    });
    const seen: LogMessage[] = [];
    while (!(seen.some((m) => m.topic === TOPICS.tweets) && seen.some((m) => m.topic === TOPICS.prices))) {
      seen.push(...(await consumer.poll({ maxWaitMs: 200 })));
    }
    await shutdown.run('test');
    const sentTweets = feeds.tweets.sent;
    expect(sentTweets).toBeGreaterThan(0);
    seen.push(...(await consumer.poll({ maxMessages: 100_000, maxWaitMs: 0 })));
    for (const m of seen) {
      const decoded = m.topic === TOPICS.tweets ? decodeTweet(m.value) : decodePriceTick(m.value);
      expect(decoded.ok).toBe(true);
    }
    // Stopped means stopped: nothing more arrives after the shutdown.
    expect(feeds.tweets.sent).toBe(sentTweets);
  });
});
