import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { MemoryEventLog } from '../../infra/kafka/memory-event-log.js';
import { partitionForKey } from '../../infra/kafka/partitioner.js';
import type { AlertEvent } from '../../schemas/alerts.js';
import { SpeedMetrics } from '../metrics.js';
import { alertMessage, testAlertEvent } from './test-alert-events.js';
import { type Responder, TestWebhookReceiver } from './test-webhook-receiver.js';
import type { WebhookBackoff } from './webhook-delivery.js';
import { AlertWebhookDispatcher, webhookGroupId } from './webhook-dispatcher.js';

const SECRET = 'whsec-test-5f1e0c9a7b';
const TOPIC = 'alerts';
const PARTITIONS = 3;
const FAST: WebhookBackoff = {
  initialDelayMs: 5,
  maxDelayMs: 20,
  maxRetryAfterMs: 1000,
  random: Math.random,
};

/** Three symbols, one per partition of the alerts topic. */
const SYMBOLS = (() => {
  const byPartition = new Map<number, string>();
  for (const s of ['AAPL', 'TSLA', 'MSFT', 'NVDA', 'AMZN', 'META', 'GOOG', 'BTC', 'ETH', 'AMD']) {
    const p = partitionForKey(s, PARTITIONS);
    if (!byPartition.has(p)) byPartition.set(p, s);
  }
  return [0, 1, 2].map((p) => byPartition.get(p) as string);
})();

interface Harness {
  log: MemoryEventLog;
  receiver: TestWebhookReceiver;
  metrics: SpeedMetrics;
  logs: string[];
  start(options?: {
    maxAttempts?: number;
    timeout?: string;
    backoff?: WebhookBackoff;
    laneCapacity?: number;
    url?: string;
  }): Promise<AlertWebhookDispatcher>;
  produce(events: AlertEvent[]): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function harness(respond?: Responder): Promise<Harness> {
  const log = new MemoryEventLog();
  await log.createTopics([{ name: TOPIC, partitions: PARTITIONS }]);
  const receiver = await TestWebhookReceiver.start(SECRET, respond);
  cleanups.push(() => receiver.close());
  const metrics = new SpeedMetrics();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const logger = pino({ level: 'trace' }, sink);
  return {
    log,
    receiver,
    metrics,
    logs,
    async start(options = {}) {
      const config = loadConfig({
        KAFKA_GROUP_ID: 'speed',
        ALERT_WEBHOOK_URL: options.url ?? receiver.url,
        ALERT_WEBHOOK_SECRET: SECRET,
        ALERT_WEBHOOK_MAX_ATTEMPTS: String(options.maxAttempts ?? 8),
        ALERT_WEBHOOK_TIMEOUT: options.timeout ?? '5s',
      });
      const dispatcher = await AlertWebhookDispatcher.start({
        eventLog: log,
        config,
        logger,
        metrics,
        backoff: options.backoff ?? FAST,
        pollWaitMs: 20,
        ...(options.laneCapacity === undefined ? {} : { laneCapacity: options.laneCapacity }),
      });
      cleanups.push(() => dispatcher.stop());
      return dispatcher;
    },
    async produce(events) {
      await log.produce(TOPIC, events.map(alertMessage));
    },
  };
}

async function counter(
  metric: SpeedMetrics['webhookFailures'] | SpeedMetrics['webhookDeliveries'],
  reason?: string,
) {
  const { values } = await metric.get();
  return values
    .filter((v) => reason === undefined || v.labels.reason === reason)
    .reduce((n, v) => n + v.value, 0);
}

/** Resolves once the group's commits reach the end of every partition. */
async function committedToEnd(log: MemoryEventLog, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [ends, committed] = await Promise.all([
      log.endOffsets(TOPIC),
      log.committedOffsets(webhookGroupId('speed'), TOPIC),
    ]);
    if ([...ends].every(([p, end]) => end === 0 || committed.get(p) === end)) return;
    if (Date.now() > deadline) throw new Error(`commits ${[...committed]} short of the ends ${[...ends]}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const eventsOf = (symbols: string[], perSymbol: number): AlertEvent[] =>
  symbols.flatMap((s) => Array.from({ length: perSymbol }, (_, n) => testAlertEvent(s, n)));

describe('alert webhook dispatcher', () => {
  it('POSTs each event once, signed, with its key as Idempotency-Key, and commits after it', async () => {
    const h = await harness();
    const events = eventsOf(SYMBOLS, 3);
    await h.produce(events);
    await h.start();
    await h.receiver.until(() => h.receiver.receivedKeys().size === events.length);
    await committedToEnd(h.log);

    expect(h.receiver.requests).toHaveLength(events.length);
    for (const event of events) {
      const [request] = h.receiver.requestsFor(event.key);
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/hooks/alerts');
      expect(request?.contentType).toBe('application/json');
      expect(request?.check).toEqual({ ok: true });
      expect(JSON.parse(request?.body ?? '')).toEqual(event);
    }
    expect(await counter(h.metrics.webhookDeliveries)).toBe(events.length);
    expect(await counter(h.metrics.webhookFailures)).toBe(0);
  });

  it('keeps offset order within a partition', async () => {
    const h = await harness();
    const events = eventsOf(SYMBOLS, 5);
    await h.produce(events);
    await h.start();
    await h.receiver.until(() => h.receiver.receivedKeys().size === events.length);
    for (const symbol of SYMBOLS) {
      const received = h.receiver.requests.filter((r) => r.key?.includes(`:${symbol}:`)).map((r) => r.key);
      expect(received).toEqual(events.filter((e) => e.alert.symbol === symbol).map((e) => e.key));
    }
  });

  it('retries a 503 with backoff until the receiver takes the event', async () => {
    const h = await harness((r) => (r.nth <= 2 ? { status: 503 } : { status: 200 }));
    const [event] = eventsOf(SYMBOLS.slice(0, 1), 1) as [AlertEvent];
    await h.produce([event]);
    await h.start();
    await committedToEnd(h.log);
    expect(h.receiver.requestsFor(event.key).map((r) => r.nth)).toEqual([1, 2, 3]);
    expect(h.receiver.requestsFor(event.key).every((r) => r.check.ok)).toBe(true);
    expect(await counter(h.metrics.webhookFailures, 'status')).toBe(2);
    expect(await counter(h.metrics.webhookDeliveries)).toBe(1);
  });

  it("waits as long as the receiver's Retry-After says, not the backoff", async () => {
    // A backoff of hours: only the receiver's Retry-After: 0 lets the retry come within the test.
    const hours: WebhookBackoff = {
      initialDelayMs: 3_600_000,
      maxDelayMs: 3_600_000,
      maxRetryAfterMs: 1000,
      random: () => 0.99,
    };
    const h = await harness((r) =>
      r.nth === 1 ? { status: 429, headers: { 'Retry-After': '0' } } : { status: 200 },
    );
    const [event] = eventsOf(SYMBOLS.slice(0, 1), 1) as [AlertEvent];
    await h.produce([event]);
    await h.start({ backoff: hours });
    await committedToEnd(h.log);
    expect(h.receiver.requestsFor(event.key)).toHaveLength(2);
  });

  it('skips an event the receiver refuses with a 400, counts it, and delivers the next one', async () => {
    const [bad, next] = eventsOf(SYMBOLS.slice(0, 1), 2) as [AlertEvent, AlertEvent];
    const h = await harness((r) => (r.key === bad.key ? { status: 400 } : { status: 200 }));
    await h.produce([bad, next]);
    await h.start();
    await committedToEnd(h.log);
    expect(h.receiver.requestsFor(bad.key)).toHaveLength(1);
    expect(h.receiver.requestsFor(next.key)).toHaveLength(1);
    expect(await counter(h.metrics.webhookFailures, 'rejected')).toBe(1);
    expect(await counter(h.metrics.webhookDeliveries)).toBe(1);
    expect(h.logs.some((l) => l.includes(bad.key) && l.includes('refused'))).toBe(true);
  });

  it('gives up on a receiver that refuses connections after the last attempt, counted and logged', async () => {
    const h = await harness();
    const deadUrl = h.receiver.url;
    await h.receiver.close();
    const events = eventsOf(SYMBOLS, 1);
    await h.produce(events);
    await h.start({ url: deadUrl, maxAttempts: 3 });
    await committedToEnd(h.log);
    expect(await counter(h.metrics.webhookFailures, 'network')).toBe(3 * events.length);
    expect(await counter(h.metrics.webhookFailures, 'gave_up')).toBe(events.length);
    expect(await counter(h.metrics.webhookDeliveries)).toBe(0);
    for (const event of events)
      expect(h.logs.some((l) => l.includes(event.key) && l.includes('gave up'))).toBe(true);
  });

  it('times out a receiver that hangs, gives up after the last attempt and moves on to the next event', async () => {
    const [hung, next] = eventsOf(SYMBOLS.slice(0, 1), 2) as [AlertEvent, AlertEvent];
    const h = await harness((r) => (r.key === hung.key ? 'hang' : { status: 200 }));
    await h.produce([hung, next]);
    await h.start({ maxAttempts: 2, timeout: '200ms' });
    await committedToEnd(h.log);
    expect(h.receiver.requestsFor(hung.key)).toHaveLength(2);
    expect(h.receiver.requestsFor(next.key)).toHaveLength(1);
    expect(await counter(h.metrics.webhookFailures, 'timeout')).toBe(2);
    expect(await counter(h.metrics.webhookFailures, 'gave_up')).toBe(1);
  });

  it("delivers the other partitions' events while one partition's receiver call hangs", async () => {
    const [stuck, ...others] = SYMBOLS as [string, ...string[]];
    const hung = testAlertEvent(stuck, 0);
    const h = await harness((r) => (r.key === hung.key ? 'hang' : { status: 200 }));
    const rest = eventsOf(others, 4);
    await h.produce([hung, ...rest]);
    // One attempt may take a minute: were the partitions served one after another, nothing else
    // would arrive within the wait below.
    const dispatcher = await h.start({ timeout: '60s' });
    await h.receiver.until(
      () => rest.every((e) => h.receiver.requestsFor(e.key).length > 0),
      10_000,
      "the other partitions' events",
    );
    expect(h.receiver.requestsFor(hung.key)).toHaveLength(1);
    await h.receiver.close();
    await dispatcher.stop();
  });

  it('buffers a bounded number of events per partition and reads the rest again, in order, once', async () => {
    const symbol = SYMBOLS[0] as string;
    const events = eventsOf([symbol], 12);
    const h = await harness((r) =>
      r.nth === 1 && r.key === events[0]?.key ? { status: 503 } : { status: 200 },
    );
    await h.produce(events);
    await h.start({ laneCapacity: 2 });
    await committedToEnd(h.log);
    expect(h.receiver.requests.filter((r) => r.nth === 1).map((r) => r.key)).toEqual(
      events.map((e) => e.key),
    );
    expect(h.receiver.requests).toHaveLength(events.length + 1);
  });

  it('after a stop resumes from the committed offsets and sends the unsettled event again', async () => {
    const [first, second, third] = eventsOf(SYMBOLS.slice(0, 1), 3) as [AlertEvent, AlertEvent, AlertEvent];
    // The second event is refused with 503 (and a backoff of an hour) until the receiver recovers.
    let recovered = false;
    const h = await harness((r) => (r.key === second.key && !recovered ? { status: 503 } : { status: 200 }));
    await h.produce([first, second, third]);
    const slow: WebhookBackoff = {
      initialDelayMs: 3_600_000,
      maxDelayMs: 3_600_000,
      maxRetryAfterMs: 1000,
      random: () => 0.99,
    };
    const before = await h.start({ backoff: slow });
    await h.receiver.until(() => h.receiver.requestsFor(second.key).length === 1);
    await before.stop();
    const committed = await h.log.committedOffsets(webhookGroupId('speed'), TOPIC);
    const partition = partitionForKey(first.alert.symbol, PARTITIONS);
    expect(committed.get(partition)).toBe(1);

    recovered = true;
    await h.start();
    await committedToEnd(h.log);
    expect(h.receiver.requestsFor(first.key)).toHaveLength(1);
    expect(h.receiver.requestsFor(second.key)).toHaveLength(2);
    expect(h.receiver.requestsFor(third.key)).toHaveLength(1);
  });

  it('stops with an attempt hanging: abandons it at the timeout and leaves its event uncommitted', async () => {
    const [first, hung] = eventsOf(SYMBOLS.slice(0, 1), 2) as [AlertEvent, AlertEvent];
    const h = await harness((r) => (r.key === hung.key ? 'hang' : { status: 200 }));
    await h.produce([first, hung]);
    const dispatcher = await h.start({ timeout: '1s' });
    await h.receiver.until(() => h.receiver.requestsFor(hung.key).length === 1);
    await dispatcher.stop();
    const committed = await h.log.committedOffsets(webhookGroupId('speed'), TOPIC);
    expect(committed.get(partitionForKey(first.alert.symbol, PARTITIONS))).toBe(1);
    expect(h.receiver.requestsFor(hung.key)).toHaveLength(1);
  });

  it('shares the partitions with a second member and loses no event across the rebalance', async () => {
    const h = await harness((r) => ({ status: 200, delayMs: r.nth === 1 ? 5 : 0 }));
    const events = eventsOf(SYMBOLS, 8);
    await h.produce(events.slice(0, 12));
    const one = await h.start();
    await h.receiver.until(() => h.receiver.receivedKeys().size >= 3);
    const two = await h.start();
    await h.produce(events.slice(12));
    await committedToEnd(h.log);
    expect([...h.receiver.receivedKeys()].sort()).toEqual(events.map((e) => e.key).sort());
    expect(one.owned().length + two.owned().length).toBe(PARTITIONS);
  });

  it('commits the events that settle while a commit is on its way, with commits as slow as a broker', async () => {
    const h = await harness();
    // The embedded log, each commit answered after a broker-like round trip.
    const consumer = h.log.consumer.bind(h.log);
    h.log.consumer = async (options) => {
      const member = await consumer(options);
      const commit = member.commit.bind(member);
      member.commit = async (offsets) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        await commit(offsets);
      };
      return member;
    };
    await h.produce(eventsOf(SYMBOLS, 12));
    await h.start();
    await committedToEnd(h.log);
  });

  it('skips and counts a message that is not an alert event', async () => {
    const h = await harness();
    const [event] = eventsOf(SYMBOLS.slice(0, 1), 1) as [AlertEvent];
    await h.log.produce(TOPIC, [
      { key: event.alert.symbol, value: '{"event":"opened"}' },
      alertMessage(event),
    ]);
    await h.start();
    await committedToEnd(h.log);
    expect(h.receiver.requests.map((r) => r.key)).toEqual([event.key]);
    expect(await counter(h.metrics.webhookFailures, 'invalid')).toBe(1);
  });

  it('never writes the secret, nor the URL past its origin, to a log line', async () => {
    const events = eventsOf(SYMBOLS, 2);
    const h = await harness((r) => {
      if (r.key === events[0]?.key) return { status: 400 };
      if (r.key === events[1]?.key && r.nth === 1) return { status: 503 };
      if (r.key === events[2]?.key) return { status: 500 };
      return { status: 200 };
    });
    await h.produce(events);
    const withToken = h.receiver.url.replace('/hooks/alerts', '/hooks/alerts?token=tok-8d2f61');
    const dispatcher = await h.start({ maxAttempts: 2, url: withToken });
    await committedToEnd(h.log);
    await dispatcher.stop();
    expect(h.logs.length).toBeGreaterThan(events.length);
    const all = h.logs.join('');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain('tok-8d2f61');
    expect(all).not.toContain('/hooks/alerts');
  });
});
