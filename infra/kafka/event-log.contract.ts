/**
 * The event-log contract: one suite, run against the embedded log (unit tests) and against real
 * Kafka (integration tests). Topic and group names are unique per run so a real broker can be
 * shared between runs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventLog, type LogConsumer, type LogMessage, nextOffsets } from './event-log.js';

const decoder = new TextDecoder();
const text = (m: LogMessage) => decoder.decode(m.value);

async function drain(consumer: LogConsumer, expected: number, maxWaitMs = 15_000): Promise<LogMessage[]> {
  const got: LogMessage[] = [];
  const deadline = Date.now() + maxWaitMs;
  while (got.length < expected && Date.now() < deadline) {
    got.push(...(await consumer.poll({ maxMessages: 1000, maxWaitMs: 500 })));
  }
  return got;
}

export function eventLogContract(name: string, open: () => Promise<EventLog>): void {
  describe(`event log contract: ${name}`, () => {
    let log: EventLog;
    const unique = () => `contract-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      log = await open();
    });
    afterAll(async () => {
      await log.close();
    });

    it('keeps per-partition offsets and sends the same key to the same partition', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 3 }]);
      const positions = await log.produce(
        topic,
        ['a', 'b', 'c', 'a', 'b', 'c', 'a'].map((key, i) => ({ key, value: `${key}${i}` })),
      );
      const partitionOf = new Map<string, number>();
      ['a', 'b', 'c', 'a', 'b', 'c', 'a'].forEach((key, i) => {
        const p = positions[i]?.partition as number;
        expect(partitionOf.get(key) ?? p).toBe(p);
        partitionOf.set(key, p);
      });
      const ends = await log.endOffsets(topic);
      expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(7);
      const aOffsets = positions.filter((_, i) => i % 3 === 0).map((p) => p.offset);
      expect(aOffsets).toEqual([...aOffsets].sort((x, y) => x - y));
    });

    it('delivers each partition in offset order to a consumer reading from the beginning', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 2 }]);
      await log.produce(
        topic,
        Array.from({ length: 50 }, (_, i) => ({
          key: `k${i % 5}`,
          value: String(i),
          headers: { n: String(i) },
        })),
      );
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      const messages = await drain(consumer, 50);
      await consumer.close();
      expect(messages).toHaveLength(50);
      for (const p of [0, 1]) {
        const offsets = messages.filter((m) => m.partition === p).map((m) => m.offset);
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      }
      const first = messages.find((m) => text(m) === '7');
      expect(first?.key).toBe('k2');
      expect(first?.headers.n).toBe('7');
      expect(typeof first?.timestamp).toBe('number');
    });

    it('resumes a group from its committed offsets and re-delivers what was not committed', async () => {
      const topic = unique();
      const groupId = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      await log.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: String(i) })),
      );

      const first = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
      const read = await drain(first, 10);
      expect(read.map(text)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      await first.commit(nextOffsets(read.slice(0, 6)));
      await first.close();
      expect((await log.committedOffsets(groupId, topic)).get(0)).toBe(6);

      const second = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
      const again = await drain(second, 4);
      expect(again.map(text)).toEqual(['6', '7', '8', '9']);
      await second.close();
    });

    it('starts a new group at the end when not reading from the beginning', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      await log.produce(topic, [{ key: null, value: 'old' }]);
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: false });
      // Let the member join and start fetching before producing, so "latest" means before 'new'.
      const joinDeadline = Date.now() + 30_000;
      while (consumer.assignment().length === 0 && Date.now() < joinDeadline)
        await consumer.poll({ maxWaitMs: 250 });
      await consumer.poll({ maxWaitMs: 500 });
      await log.produce(topic, [{ key: null, value: 'new' }]);
      const messages = await drain(consumer, 1);
      await consumer.close();
      expect(messages.map(text)).toEqual(['new']);
    });

    it('shares partitions between the members of one group without overlap', async () => {
      const topic = unique();
      const groupId = unique();
      await log.createTopics([{ name: topic, partitions: 4 }]);
      const a = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
      const b = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
      await log.produce(
        topic,
        Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, value: String(i) })),
      );
      const seen: LogMessage[] = [];
      const deadline = Date.now() + 20_000;
      while (seen.length < 40 && Date.now() < deadline) {
        const [x, y] = await Promise.all([a.poll({ maxWaitMs: 300 }), b.poll({ maxWaitMs: 300 })]);
        seen.push(...x, ...y);
      }
      const ownedA = a.assignment().map((tp) => tp.partition);
      const ownedB = b.assignment().map((tp) => tp.partition);
      await Promise.all([a.close(), b.close()]);
      expect(new Set(seen.map(text)).size).toBe(40);
      expect(ownedA.filter((p) => ownedB.includes(p))).toEqual([]);
      expect([...ownedA, ...ownedB].sort()).toEqual([0, 1, 2, 3]);
    });

    it('returns an empty batch when nothing arrives within the wait', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      expect(await consumer.poll({ maxWaitMs: 200 })).toEqual([]);
      await consumer.close();
    });

    it('round-trips binary values byte for byte', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const bytes = Uint8Array.from([0, 255, 128, 10, 13, 0xc3, 0x28]);
      await log.produce(topic, [{ key: 'bin', value: bytes }]);
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      const [message] = await drain(consumer, 1);
      await consumer.close();
      expect([...(message?.value ?? [])]).toEqual([...bytes]);
    });
  });
}
