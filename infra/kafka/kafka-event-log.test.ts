import type { ClusterMetadata, ExtendedGroupProtocolSubscription } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { isRetryable } from '../retry.js';
import { EventLogClosedError } from './event-log.js';
import { coPartitionedAssigner, KafkaEventLog } from './kafka-event-log.js';

// Port 1 on loopback: nothing listens, so every connection is refused at once.
const unreachable = () =>
  new KafkaEventLog({ brokers: ['127.0.0.1:1'], clientId: 'unit', retries: 0, requestTimeoutMs: 1000 });

describe('KafkaEventLog without a broker', () => {
  it('fails a produce with a retryable error instead of dropping the messages', async () => {
    const log = unreachable();
    const failure = await log
      .produce('tweets', [{ key: 'AAPL', value: '{}' }])
      .catch((error: unknown) => error);
    expect(isRetryable(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/^kafka: metadata of tweets failed/);
    await log.close();
  });

  it('fails topic creation and offset queries with retryable errors', async () => {
    const log = unreachable();
    for (const attempt of [
      log.createTopics([{ name: 'tweets', partitions: 3 }]),
      log.endOffsets('tweets'),
      log.committedOffsets('speed-layer', 'tweets'),
    ]) {
      expect(
        isRetryable(
          await attempt.then(
            () => undefined,
            (error: unknown) => error,
          ),
        ),
      ).toBe(true);
    }
    await log.close();
  });

  it('refuses a topic spec without a positive partition count', async () => {
    const log = unreachable();
    await expect(log.createTopics([{ name: 'x', partitions: 0 }])).rejects.toThrow();
    await log.close();
  });

  it('produces nothing and needs no broker for an empty batch', async () => {
    const log = unreachable();
    expect(await log.produce('tweets', [])).toEqual([]);
    await log.close();
  });
});

describe('co-partitioned assigner', () => {
  const members = (ids: string[], topics: string[]) =>
    new Map<string, ExtendedGroupProtocolSubscription>(
      ids.map((memberId) => [memberId, { memberId, version: 1, topics }]),
    );
  const metadata = (counts: Record<string, number>) =>
    ({
      topics: new Map(Object.entries(counts).map(([name, partitionsCount]) => [name, { partitionsCount }])),
    }) as unknown as ClusterMetadata;

  it('gives partition N of every topic to the same member and leaves none out', () => {
    const result = coPartitionedAssigner(
      'm2',
      members(['m2', 'm1'], ['mentions', 'prices']),
      new Set(['prices', 'mentions']),
      metadata({ mentions: 3, prices: 3 }),
    );
    const owned = new Map(
      result.map((r) => [
        r.memberId,
        [...r.assignments.values()].map((a) => `${a.topic}:${a.partitions.join(',')}`),
      ]),
    );
    expect(owned).toEqual(
      new Map([
        ['m1', ['mentions:0,2', 'prices:0,2']],
        ['m2', ['mentions:1', 'prices:1']],
      ]),
    );
  });
});

describe('KafkaEventLog once closed', () => {
  it('refuses produce, createTopics and consumer with EventLogClosedError', async () => {
    const log = unreachable();
    await log.close();
    await expect(log.produce('tweets', [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(
      EventLogClosedError,
    );
    await expect(log.createTopics([{ name: 't', partitions: 1 }])).rejects.toBeInstanceOf(
      EventLogClosedError,
    );
    await expect(log.consumer({ groupId: 'g', topics: ['t'] })).rejects.toBeInstanceOf(EventLogClosedError);
  });
});
