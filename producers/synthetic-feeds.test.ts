import { describe, expect, it } from 'vitest';
import type { EventLog } from '../infra/kafka/event-log.js';
import { MemoryEventLog } from '../infra/kafka/memory-event-log.js';
import { createLogger } from '../infra/logger.js';
import { sleep } from '../infra/retry.js';
import { Shutdown } from '../infra/shutdown.js';
import { decodePriceTick, decodeTweet, TOPICS } from '../schemas/events.js';
import { startSyntheticFeeds } from './synthetic-feeds.js';

/** Messages the log holds on a topic: the sum of its partitions' end offsets. */
async function held(log: EventLog, topic: string): Promise<number> {
  let total = 0;
  for (const end of (await log.endOffsets(topic)).values()) total += end;
  return total;
}

describe('synthetic feeds inside the demo', () => {
  it('publish valid tweets and ticks at their configured rates, and nothing after the shutdown', async () => {
    const log = new MemoryEventLog();
    const shutdown = new Shutdown(createLogger('silent'));
    const rates = { tweets: 200, prices: 50 };
    const feeds = await startSyntheticFeeds(
      log,
      { tweetsPerSecond: rates.tweets, ticksPerSecond: rates.prices, seed: 5 },
      shutdown,
    );

    // Measure over one second of real time, after the first batches are out.
    await sleep(200);
    const before = { tweets: feeds.tweets.sent, prices: feeds.prices.sent, at: performance.now() };
    await sleep(1000);
    const seconds = (performance.now() - before.at) / 1000;
    const measured = {
      tweets: (feeds.tweets.sent - before.tweets) / seconds,
      prices: (feeds.prices.sent - before.prices) / seconds,
    };
    // About R per second: well off both "stalled" and "as fast as possible".
    expect(measured.tweets).toBeGreaterThan(rates.tweets * 0.75);
    expect(measured.tweets).toBeLessThan(rates.tweets * 1.25);
    expect(measured.prices).toBeGreaterThan(rates.prices * 0.7);
    expect(measured.prices).toBeLessThan(rates.prices * 1.3);

    const stopping = performance.now();
    await shutdown.run('test');
    expect(performance.now() - stopping).toBeLessThan(1000);
    const stopped = { tweets: feeds.tweets.sent, prices: feeds.prices.sent };
    // Every acknowledged message is in the log, and nothing else.
    expect(await held(log, TOPICS.tweets)).toBe(stopped.tweets);
    expect(await held(log, TOPICS.prices)).toBe(stopped.prices);

    // Stopped means stopped: at 200/s, another 300 ms would add about 60 tweets.
    await sleep(300);
    expect({ tweets: feeds.tweets.sent, prices: feeds.prices.sent }).toEqual(stopped);
    expect(await held(log, TOPICS.tweets)).toBe(stopped.tweets);
    expect(await held(log, TOPICS.prices)).toBe(stopped.prices);

    const consumer = await log.consumer({
      groupId: 't',
      topics: [TOPICS.tweets, TOPICS.prices],
      fromBeginning: true,
    });
    const seen = await consumer.poll({ maxMessages: 100_000, maxWaitMs: 500 });
    expect(seen).toHaveLength(stopped.tweets + stopped.prices);
    for (const m of seen) {
      const decoded = m.topic === TOPICS.tweets ? decodeTweet(m.value) : decodePriceTick(m.value);
      expect(decoded.ok).toBe(true);
    }
    await consumer.close();
  });

  it.each([
    ['ticks', { tweetsPerSecond: 100, ticksPerSecond: 0 }],
    ['tweets', { tweetsPerSecond: 0, ticksPerSecond: 20 }],
  ] as const)('publish no %s at rate 0, and the other feed at its own rate', async (_none, rates) => {
    const log = new MemoryEventLog();
    const shutdown = new Shutdown(createLogger('silent'));
    const feeds = await startSyntheticFeeds(log, { ...rates, seed: 3 }, shutdown);
    await sleep(500);
    const results = await feeds.stop();
    for (const [feed, rate] of [
      ['tweets', rates.tweetsPerSecond],
      ['prices', rates.ticksPerSecond],
    ] as const) {
      const sent = results[feed].sent;
      // Half a second at R/s is about R/2; unthrottled would be thousands.
      if (rate === 0) expect(sent, feed).toBe(0);
      else expect(sent, feed).toBeGreaterThan(0);
      if (rate > 0) expect(sent, feed).toBeLessThan(rate);
      expect(await held(log, feed === 'tweets' ? TOPICS.tweets : TOPICS.prices)).toBe(sent);
    }
  });

  it('with history, publish the past at once, event times spanning it, then go on in real time', async () => {
    const log = new MemoryEventLog();
    const shutdown = new Shutdown(createLogger('silent'));
    const historyMs = 10 * 60_000;
    const started = Date.now();
    const feeds = await startSyntheticFeeds(
      log,
      { tweetsPerSecond: 5, ticksPerSecond: 2, seed: 9, historyMs, lateRatio: 0 },
      shutdown,
    );
    // Ten minutes at 5/s is 3,000 tweets and at 2/s 1,200 ticks: all of them long before ten
    // minutes of real time have passed (the wait is bounded by the test's timeout, not asserted).
    while (feeds.tweets.sent < 3000 || feeds.prices.sent < 1200) await sleep(20);
    await shutdown.run('test');
    const consumer = await log.consumer({
      groupId: 'h',
      topics: [TOPICS.tweets, TOPICS.prices],
      fromBeginning: true,
    });
    const seen = await consumer.poll({ maxMessages: 100_000, maxWaitMs: 500 });
    await consumer.close();
    const times = { tweets: [] as number[], prices: [] as number[] };
    for (const m of seen) {
      if (m.topic === TOPICS.tweets) {
        const tweet = decodeTweet(m.value);
        if (tweet.ok) times.tweets.push(tweet.value.created_at);
      } else {
        const tick = decodePriceTick(m.value);
        if (tick.ok) times.prices.push(tick.value.trade_timestamp);
      }
    }
    const stopped = Date.now();
    for (const [feed, list] of Object.entries(times)) {
      expect(list.length, feed).toBeGreaterThan(0);
      // From the start of the history (less the 2 s jitter) to now, never ahead of the clock.
      expect(Math.min(...list), feed).toBeGreaterThanOrEqual(started - historyMs - 2000);
      expect(Math.min(...list), feed).toBeLessThan(started - historyMs + 60_000);
      expect(Math.max(...list), feed).toBeLessThanOrEqual(stopped);
    }
  });
});
