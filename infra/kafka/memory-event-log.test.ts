import { describe, expect, it } from 'vitest';
import { eventLogContract } from './event-log.contract.js';
import { MemoryEventLog } from './memory-event-log.js';
import { murmur2, partitionForKey } from './partitioner.js';

eventLogContract('embedded', async () => new MemoryEventLog());

describe('Kafka default partitioner', () => {
  const encode = (s: string) => new TextEncoder().encode(s);
  it("matches the Java client's murmur2 on its published vectors", () => {
    expect(murmur2(encode('21'))).toBe(-973932308);
    expect(murmur2(encode('foobar'))).toBe(-790332482);
    expect(murmur2(encode('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(encode('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(encode('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(encode('abc'))).toBe(479470107);
  });

  it('maps a key to a partition in range', () => {
    for (const key of ['AAPL', 'TSLA', 'BRK.B', '']) {
      const p = partitionForKey(key, 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
    }
  });
});

describe('embedded log retention', () => {
  it('drops messages older than the retention and moves readers past them, keeping offsets', async () => {
    const log = new MemoryEventLog();
    await log.createTopics([{ name: 't', partitions: 1, retentionMs: 60_000 }]);
    const old = Date.now() - 120_000;
    await log.produce(
      't',
      Array.from({ length: 2048 }, (_, i) => ({
        key: 'k',
        value: String(i),
        timestamp: i < 1500 ? old : Date.now(),
      })),
    );
    const consumer = await log.consumer({ groupId: 'g', topics: ['t'], fromBeginning: true });
    const batch = await consumer.poll({ maxMessages: 10_000, maxWaitMs: 100 });
    expect(batch[0]?.offset).toBe(1500);
    expect(batch).toHaveLength(548);
    expect((await log.endOffsets('t')).get(0)).toBe(2048);
    await consumer.close();
  });
});
