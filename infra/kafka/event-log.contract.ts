/**
 * The event-log contract: one suite, run against the embedded log (unit tests) and against real
 * Kafka (integration tests). Topic and group names are unique per run so a real broker can be
 * shared between runs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../retry.js';
import {
  CommitRefusedError,
  type EventLog,
  EventLogClosedError,
  type LogConsumer,
  type LogMessage,
  nextOffsets,
  type TopicPartition,
  topicPartitionKey,
} from './event-log.js';

const decoder = new TextDecoder();
const text = (m: LogMessage) => decoder.decode(m.value);

/** Deliveries per message value: a Set would hide a message handed out twice. */
function countDeliveries(
  messages: readonly LogMessage[],
  into = new Map<string, number>(),
): Map<string, number> {
  for (const m of messages) into.set(text(m), (into.get(text(m)) ?? 0) + 1);
  return into;
}

/** The values delivered other than exactly once, with their counts: [] when all is well. */
function notOnce(counts: Map<string, number>, expected: readonly string[]): [string, number][] {
  const wrong: [string, number][] = expected
    .map((v): [string, number] => [v, counts.get(v) ?? 0])
    .filter(([, n]) => n !== 1);
  for (const [v, n] of counts) if (!expected.includes(v)) wrong.push([v, n]);
  return wrong;
}

const sortedKeys = (tps: readonly TopicPartition[]) =>
  tps.map((tp) => topicPartitionKey(tp.topic, tp.partition)).sort();

/** Polls the members together until their assignments cover `total` partitions without overlap. */
async function untilSettled(members: LogConsumer[], total: number, seen: LogMessage[] = []): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const owned = members.flatMap((m) => sortedKeys(m.assignment()));
    if (owned.length === total && new Set(owned).size === total) return;
    if (Date.now() > deadline) throw new Error(`assignments never settled: ${owned.join(' ')}`);
    for (const batch of await Promise.all(members.map((m) => m.poll({ maxWaitMs: 200 }))))
      seen.push(...batch);
  }
}

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

    it('puts a message with an explicit partition there, whatever its key, and refuses one out of range', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 3 }]);
      const positions = await log.produce(topic, [
        { key: null, partition: 2, value: 'a' },
        { key: 'k', partition: 1, value: 'b' },
        { key: 'k', partition: 2, value: 'c' },
      ]);
      expect(positions.map((p) => p.partition)).toEqual([2, 1, 2]);
      expect(positions.map((p) => p.offset)).toEqual([0, 0, 1]);
      await expect(log.produce(topic, [{ key: null, partition: 3, value: 'x' }])).rejects.toThrow(RangeError);
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
      await untilSettled([a, b], 4);
      await log.produce(
        topic,
        Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, value: String(i) })),
      );
      const seen: LogMessage[] = [];
      const deadline = Date.now() + 20_000;
      // Until everything arrived, and a moment longer, so that a message delivered twice is seen.
      let quietUntil = Number.POSITIVE_INFINITY;
      while (Date.now() < Math.min(deadline, quietUntil)) {
        const [x, y] = await Promise.all([a.poll({ maxWaitMs: 300 }), b.poll({ maxWaitMs: 300 })]);
        seen.push(...x, ...y);
        if (seen.length >= 40 && quietUntil === Number.POSITIVE_INFINITY) quietUntil = Date.now() + 1000;
      }
      const ownedA = a.assignment().map((tp) => tp.partition);
      const ownedB = b.assignment().map((tp) => tp.partition);
      await Promise.all([a.close(), b.close()]);
      const values = Array.from({ length: 40 }, (_, i) => String(i));
      expect(notOnce(countDeliveries(seen), values)).toEqual([]);
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

    it('gives every message of concurrent produce calls to one partition its own offset, the one it is stored at', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const calls = Array.from({ length: 200 }, (_, call) =>
        Array.from({ length: 1 + (call % 5) }, (_, i) => ({ key: 'one', value: `${call}-${i}` })),
      );
      const returned = await Promise.all(calls.map((messages) => log.produce(topic, messages)));
      const offsetOf = new Map<string, number>();
      for (const [call, messages] of calls.entries())
        for (const [i, m] of messages.entries()) offsetOf.set(m.value, returned[call]?.[i]?.offset as number);
      const total = offsetOf.size;
      expect(total).toBe(600);
      expect(new Set(offsetOf.values()).size).toBe(total);
      expect((await log.endOffsets(topic)).get(0)).toBe(total);

      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      const consumed = await drain(consumer, total);
      await consumer.close();
      expect(notOnce(countDeliveries(consumed), [...offsetOf.keys()])).toEqual([]);
      const misplaced = consumed.filter((m) => offsetOf.get(text(m)) !== m.offset);
      expect(
        misplaced.map((m) => `${text(m)} returned ${offsetOf.get(text(m))}, stored ${m.offset}`),
      ).toEqual([]);
    });

    it('co-partitions: partition N of every subscribed topic goes to the same member', async () => {
      const [left, right] = [unique(), unique()];
      const groupId = unique();
      await log.createTopics([
        { name: left, partitions: 3 },
        { name: right, partitions: 3 },
      ]);
      const options = { groupId, topics: [left, right], assignment: 'co-partitioned' as const };
      const a = await log.consumer(options);
      const b = await log.consumer(options);
      await untilSettled([a, b], 6);
      const numbers = (c: LogConsumer, topic: string) =>
        c
          .assignment()
          .filter((tp) => tp.topic === topic)
          .map((tp) => tp.partition)
          .sort();
      const owned = [a, b].map((c) => ({ left: numbers(c, left), right: numbers(c, right) }));
      const union = [...sortedKeys(a.assignment()), ...sortedKeys(b.assignment())].sort();
      await Promise.all([a.close(), b.close()]);
      for (const member of owned) {
        expect(member.left.length).toBeGreaterThan(0);
        expect(member.right).toEqual(member.left);
      }
      const all = [0, 1, 2].flatMap((partition) => [left, right].map((topic) => ({ topic, partition })));
      expect(union).toEqual(sortedKeys(all));
    });

    it('refuses a co-partitioned consumer over topics of unequal partition counts, naming them', async () => {
      const [three, two] = [unique(), unique()];
      await log.createTopics([
        { name: three, partitions: 3 },
        { name: two, partitions: 2 },
      ]);
      const attempt = log.consumer({ groupId: unique(), topics: [three, two], assignment: 'co-partitioned' });
      await expect(attempt).rejects.toThrow(new RegExp(`${three}.*3.*${two}.*2`));
    });

    it("awaits onAssigned before handing out messages, and the old owner's onRevoked before the next owner reads", async () => {
      const topic = unique();
      const groupId = unique();
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const before = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `before-${i}` }));
      await log.produce(topic, before);
      const events: string[] = [];
      const readByA: LogMessage[] = [];
      let a: LogConsumer | undefined;
      let aAssigned = false;
      a = await log.consumer({
        groupId,
        topics: [topic],
        fromBeginning: true,
        rebalance: {
          async onAssigned(partitions) {
            events.push(`a assigned ${partitions.length}`);
            await sleep(300);
            aAssigned = true;
          },
          async onRevoked(partitions) {
            events.push(`a revoking ${partitions.length}`);
            aAssigned = false;
            await sleep(300);
            // Still the owner here: committing what it read is accepted.
            await a?.commit(
              nextOffsets(readByA.filter((m) => partitions.some((p) => p.partition === m.partition))),
            );
            events.push('a revoked');
          },
        },
      });
      while (readByA.length < 20) {
        const batch = await a.poll({ maxWaitMs: 500 });
        if (batch.length > 0) expect(aAssigned).toBe(true);
        readByA.push(...batch);
      }
      const readByB: LogMessage[] = [];
      const b = await log.consumer({
        groupId,
        topics: [topic],
        fromBeginning: true,
        rebalance: { onAssigned: (partitions) => void events.push(`b assigned ${partitions.length}`) },
      });
      expect(events.indexOf('a revoked')).toBeGreaterThan(-1);
      expect(events.indexOf('a revoked')).toBeLessThan(events.indexOf('b assigned 1'));
      const after = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `after-${i}` }));
      const deadline = Date.now() + 30_000;
      let producedAfter = false;
      while (Date.now() < deadline && readByA.length + readByB.length < 40) {
        const [x, y] = await Promise.all([a.poll({ maxWaitMs: 300 }), b.poll({ maxWaitMs: 300 })]);
        if (x.length > 0) expect(aAssigned).toBe(true);
        readByA.push(...x);
        readByB.push(...y);
        if (!producedAfter && b.assignment().length > 0 && a.assignment().length > 0) {
          await log.produce(topic, after);
          producedAfter = true;
        }
      }
      await Promise.all([a.close(), b.close()]);
      // a committed everything it read inside onRevoked, before b took a partition: b re-reads nothing.
      const counts = countDeliveries([...readByA, ...readByB]);
      expect(
        notOnce(
          counts,
          [...before, ...after].map((m) => m.value),
        ),
      ).toEqual([]);
      expect(readByB.every((m) => m.value.length > 0 && text(m).startsWith('after-'))).toBe(true);
      expect(events.slice(0, 3)).toEqual(['a assigned 2', 'a revoking 2', 'a revoked']);
    });

    it('stops a poll at maxBytes of values, with at least one message, and loses none of the rest', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const sizes = [300, 300, 300, 2000, 10, 10];
      await log.produce(
        topic,
        sizes.map((n, i) => ({ key: 'k', value: String(i).padEnd(n, '.') })),
      );
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      const polls: number[][] = [];
      for (let read = 0; read < sizes.length; ) {
        const batch = await consumer.poll({ maxMessages: 100, maxBytes: 500, maxWaitMs: 10_000 });
        if (batch.length > 0) polls.push(batch.map((m) => m.value.length));
        read += batch.length;
      }
      // Each poll stops once 500 bytes are reached: a message is added while the poll is below them.
      expect(polls.flat()).toEqual(sizes);
      for (const poll of polls) expect(poll.slice(0, -1).reduce((a, b) => a + b, 0)).toBeLessThan(500);
      await consumer.close();
    });

    it('seeks: backwards re-delivers, forwards skips, and buffered messages of the partition are dropped', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      await log.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: String(i) })),
      );
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      const firstTwo = await consumer.poll({ maxMessages: 2, maxWaitMs: 10_000 });
      expect(firstTwo.map(text)).toEqual(['0', '1']);
      // On Kafka 2..9 are likely buffered already: they must not come out before 7.
      await consumer.seek({ topic, partition: 0, offset: 7 });
      expect((await drain(consumer, 3)).map(text)).toEqual(['7', '8', '9']);
      await consumer.seek({ topic, partition: 0, offset: 3 });
      expect((await drain(consumer, 7)).map(text)).toEqual(['3', '4', '5', '6', '7', '8', '9']);
      await expect(consumer.seek({ topic: unique(), partition: 0, offset: 0 })).rejects.toThrow(/own/);
      await consumer.close();
    });

    it('refuses to commit a partition the member does not own, and commits nothing of that call', async () => {
      const topic = unique();
      const groupId = unique();
      await log.createTopics([{ name: topic, partitions: 2 }]);
      const a = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
      await untilSettled([a], 2);
      await a.commit([
        { topic, partition: 0, offset: 0 },
        { topic, partition: 1, offset: 0 },
      ]);
      await expect(a.commit([{ topic: unique(), partition: 0, offset: 1 }])).rejects.toBeInstanceOf(
        CommitRefusedError,
      );
      const b = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
      await untilSettled([a, b], 2);
      const [lost] = b.assignment();
      if (!lost) throw new Error('b owns nothing');
      const refused = await a
        .commit([
          { topic, partition: 0, offset: 1 },
          { topic, partition: 1, offset: 1 },
        ])
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(CommitRefusedError);
      expect((refused as CommitRefusedError).partitions).toEqual([lost]);
      expect([...(await log.committedOffsets(groupId, topic)).values()]).toEqual([0, 0]);
      await b.commit([{ ...lost, offset: 1 }]);
      expect((await log.committedOffsets(groupId, topic)).get(lost.partition)).toBe(1);
      await Promise.all([a.close(), b.close()]);
      await expect(a.commit([{ ...lost, offset: 2 }])).rejects.toThrow();
    });

    it('revokes on close: onRevoked gets the partitions and may still commit them', async () => {
      const topic = unique();
      const groupId = unique();
      await log.createTopics([{ name: topic, partitions: 2 }]);
      await log.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i) })),
      );
      const read: LogMessage[] = [];
      const revoked: TopicPartition[][] = [];
      let consumer: LogConsumer | undefined;
      consumer = await log.consumer({
        groupId,
        topics: [topic],
        fromBeginning: true,
        rebalance: {
          async onRevoked(partitions) {
            revoked.push(partitions);
            await consumer?.commit(nextOffsets(read));
          },
        },
      });
      read.push(...(await drain(consumer, 10)));
      await consumer.close();
      expect(revoked.map(sortedKeys)).toEqual([
        sortedKeys([0, 1].map((partition) => ({ topic, partition }))),
      ]);
      expect(await log.committedOffsets(groupId, topic)).toEqual(await log.endOffsets(topic));
    });

    it('reports a listener that throws from the next poll, once, and goes on', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      await log.produce(topic, [{ key: 'k', value: 'after the failure' }]);
      const consumer = await log.consumer({
        groupId: unique(),
        topics: [topic],
        fromBeginning: true,
        rebalance: {
          onAssigned() {
            throw new Error('listener broke');
          },
        },
      });
      await expect(consumer.poll({ maxWaitMs: 100 })).rejects.toThrow('listener broke');
      expect((await drain(consumer, 1)).map(text)).toEqual(['after the failure']);
      await consumer.close();
    });

    it('rejects a poll on a closed consumer at once, and ends a waiting poll when the log closes', async () => {
      const topic = unique();
      await log.createTopics([{ name: topic, partitions: 1 }]);
      const consumer = await log.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      await consumer.close();
      let started = Date.now();
      await expect(consumer.poll({ maxWaitMs: 5000 })).rejects.toBeInstanceOf(EventLogClosedError);
      expect(Date.now() - started).toBeLessThan(200);

      const own = await open();
      await own.createTopics([{ name: topic, partitions: 1 }]);
      const waiting = await own.consumer({ groupId: unique(), topics: [topic], fromBeginning: true });
      await untilSettled([waiting], 1);
      const pending = waiting.poll({ maxWaitMs: 20_000 }).catch((error: unknown) => error);
      await sleep(100);
      started = Date.now();
      await own.close();
      expect(await pending).toBeInstanceOf(EventLogClosedError);
      expect(Date.now() - started).toBeLessThan(5000);
      started = Date.now();
      await expect(waiting.poll({ maxWaitMs: 5000 })).rejects.toBeInstanceOf(EventLogClosedError);
      expect(Date.now() - started).toBeLessThan(200);
    });
  });
}
