/**
 * The event-log contract against real Kafka (KAFKA_BROKERS, set by `npm run test:integration`),
 * plus what only a real broker shows: topic configs from the spec, and a consumer group handing
 * partitions over without losing or repeating committed progress.
 */
import { randomUUID } from 'node:crypto';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { eventLogContract } from '../../infra/kafka/event-log.contract.js';
import {
  CommitRefusedError,
  type LogConsumer,
  type LogMessage,
  nextOffsets,
} from '../../infra/kafka/event-log.js';
import { KafkaEventLog } from '../../infra/kafka/kafka-event-log.js';

const config = loadConfig(process.env);
if (!config.kafka) throw new Error('KAFKA_BROKERS is not set: run through `npm run test:integration`');
const kafka = config.kafka;
const open = async () =>
  new KafkaEventLog({ brokers: kafka.brokers, clientId: `it-${randomUUID().slice(0, 6)}` });

eventLogContract('kafka', open);

describe('kafka adapter on a real broker', () => {
  let log: KafkaEventLog;
  beforeAll(async () => {
    log = await open();
  });
  afterAll(async () => {
    await log.close();
  });

  it('creates topics with the partitions and retention of the spec, and leaves existing ones alone', async () => {
    const topic = `it-topic-${randomUUID().slice(0, 8)}`;
    await log.createTopics([{ name: topic, partitions: 3, retentionMs: 3_600_000 }]);
    await log.createTopics([{ name: topic, partitions: 5, retentionMs: 60_000 }]);
    expect((await log.endOffsets(topic)).size).toBe(3);
    const admin = new Admin({ clientId: 'it-admin', bootstrapBrokers: kafka.brokers });
    try {
      const [described] = await admin.describeConfigs({
        resources: [{ resourceType: 2, resourceName: topic, configurationKeys: ['retention.ms'] }],
      });
      const retention = described?.configs.find((c) => c.name === 'retention.ms');
      expect(retention?.value).toBe('3600000');
    } finally {
      await admin.close();
    }
  });

  it('puts a key on the partition the Java client would choose', async () => {
    const topic = `it-keys-${randomUUID().slice(0, 8)}`;
    await log.createTopics([{ name: topic, partitions: 12 }]);
    // murmur2("AAPL") & 0x7fffffff % 12, as org.apache.kafka.clients.producer.internals.BuiltInPartitioner computes it.
    const { partitionForKey } = await import('../../infra/kafka/partitioner.js');
    const [position] = await log.produce(topic, [{ key: 'AAPL', value: 'x' }]);
    expect(position?.partition).toBe(partitionForKey('AAPL', 12));
  });

  it('gives the event loop a turn at every poll, so that timers run for a caller who never waits', async () => {
    // A caller whose poll always found data buffered, and who computed on it synchronously, never
    // let the timers phase run: on the bench's 1.5 M-tweet topic the client's heartbeat timer did
    // not fire for 11 s, the broker expired the session (10 s), and the group rebalanced a lone
    // member every ~11 s, re-delivering everything it had not committed.
    const topic = `it-turn-${randomUUID().slice(0, 8)}`;
    await log.createTopics([{ name: topic, partitions: 1 }]);
    await log.produce(
      topic,
      Array.from({ length: 5_000 }, (_, i) => ({ key: 'k', value: String(i) })),
    );
    const consumer = await log.consumer({
      groupId: `it-turn-${randomUUID().slice(0, 8)}`,
      topics: [topic],
      fromBeginning: true,
    });
    try {
      expect(await consumer.poll({ maxMessages: 1, maxWaitMs: 10_000 })).toHaveLength(1);
      let fired = false;
      setTimeout(() => {
        fired = true;
      }, 0);
      // Each poll finds data buffered (the client fetched far more than one message); between
      // them the caller computes for 5 ms, so the timer is due well before the last poll.
      for (let i = 0; i < 3; i++) {
        for (const end = Date.now() + 5; Date.now() < end; );
        expect(await consumer.poll({ maxMessages: 1, maxWaitMs: 0 })).toHaveLength(1);
      }
      expect(fired).toBe(true);
    } finally {
      await consumer.close();
    }
  });

  it('hands partitions over on a rebalance without losing committed progress', async () => {
    const topic = `it-rebalance-${randomUUID().slice(0, 8)}`;
    const groupId = `it-group-${randomUUID().slice(0, 8)}`;
    await log.createTopics([{ name: topic, partitions: 4 }]);
    await log.produce(
      topic,
      Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
    );
    const seen = new Map<string, number>();
    const record = (messages: LogMessage[]) => {
      for (const m of messages) {
        const v = new TextDecoder().decode(m.value);
        seen.set(v, (seen.get(v) ?? 0) + 1);
      }
    };
    // A batch polled just before a rebalance took its partition is refused: its new owner re-reads it.
    const commit = (member: LogConsumer, messages: LogMessage[]) =>
      member.commit(nextOffsets(messages)).catch((error: unknown) => {
        if (!(error instanceof CommitRefusedError)) throw error;
      });
    const a = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
    const first = await a.poll({ maxMessages: 60, maxWaitMs: 10_000 });
    record(first);
    await a.commit(nextOffsets(first));
    // A second member joins: partitions move; the first batch stays committed.
    const b = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
    const ends = await log.endOffsets(topic);
    const allCommitted = async () =>
      JSON.stringify([...(await log.committedOffsets(groupId, topic))].sort()) ===
      JSON.stringify([...ends].sort());
    const deadline = Date.now() + 30_000;
    // Until everything is seen and committed: a refused commit leaves its messages to be re-read.
    while (Date.now() < deadline && (seen.size < 200 || !(await allCommitted()))) {
      const [x, y] = await Promise.all([a.poll({ maxWaitMs: 300 }), b.poll({ maxWaitMs: 300 })]);
      record(x);
      record(y);
      await Promise.all([commit(a, x), commit(b, y)]);
    }
    await Promise.all([a.close(), b.close()]);
    expect(seen.size).toBe(200);
    expect(await log.committedOffsets(groupId, topic)).toEqual(ends);
    // Re-deliveries are allowed (at-least-once) but only of what was not yet committed.
    for (const m of first) expect(seen.get(new TextDecoder().decode(m.value))).toBe(1);
  });
});
