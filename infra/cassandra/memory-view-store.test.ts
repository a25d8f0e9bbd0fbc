import { describe, expect, it } from 'vitest';
import { TABLES } from '../../schemas/cassandra.js';
import { MemoryViewStore } from './memory-view-store.js';
import { viewStoreContract } from './view-store.contract.js';

let clock = Date.UTC(2024, 4, 1);
viewStoreContract(
  'embedded',
  async () => new MemoryViewStore({ defaultTtlSeconds: 3600, now: () => clock }),
  {
    elapse: async (ms) => {
      clock += ms;
    },
  },
);

describe('MemoryViewStore housekeeping', () => {
  it('forgets expired cells once gc grace has passed, as compaction would, so memory stays bounded', async () => {
    let now = Date.UTC(2024, 4, 1);
    const store = new MemoryViewStore({ defaultTtlSeconds: 10, now: () => now, gcGraceSeconds: 60 });
    const tick = (close: number) => ({
      symbol: 'GC',
      day: '2024-05-01',
      trade_timestamp: now,
      open_price: close,
      high_price: close,
      low_price: close,
      close_price: close,
      volume: 1,
    });
    const writeTime = now;
    await store.upsert(TABLES.marketData.name, [tick(1)], { writeTime });
    const partition = { partition: { symbol: 'GC', day: '2024-05-01' } };
    now += 20_000;
    // Expired but within gc grace: it still beats a rewrite with the same write time.
    await store.upsert(TABLES.marketData.name, [{ ...tick(2), trade_timestamp: writeTime }], {
      writeTime,
      ttlSeconds: 0,
    });
    expect(await store.query(TABLES.marketData.name, partition)).toEqual([]);
    now += 60_000;
    expect(await store.query(TABLES.marketData.name, partition)).toEqual([]);
    // Purged: the same rewrite now lands.
    await store.upsert(TABLES.marketData.name, [{ ...tick(3), trade_timestamp: writeTime }], {
      writeTime,
      ttlSeconds: 0,
    });
    const rows = await store.query(TABLES.marketData.name, partition);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ close_price: 3 });
  });
});
