import { describe, expect, it } from 'vitest';
import { TABLES } from '../../schemas/cassandra.js';
import type { TickRow } from '../../schemas/rows.js';
import { DAY_MS, utcDay } from '../../schemas/time.js';
import { MemoryViewStore } from './memory-view-store.js';
import { decodeCursor, encodeCursor, readRange } from './range-reader.js';
import type { ViewQuery, ViewRow, ViewStore } from './view-store.js';

const START = Date.UTC(2024, 0, 1);
const DAYS = 10;

/** A store that records how many queries run at once and which days were asked. */
function observed(store: ViewStore) {
  const stats = { running: 0, peak: 0, days: [] as string[] };
  const wrapped: ViewStore = {
    ensureSchema: () => store.ensureSchema(),
    upsert: (table, rows, options) => store.upsert(table, rows, options),
    close: () => store.close(),
    async query<R extends ViewRow = ViewRow>(table: Parameters<ViewStore['query']>[0], query: ViewQuery) {
      stats.running++;
      stats.peak = Math.max(stats.peak, stats.running);
      stats.days.push(String(query.partition.day));
      await new Promise((resolve) => setTimeout(resolve, 2));
      try {
        return await store.query<R>(table, query);
      } finally {
        stats.running--;
      }
    },
  };
  return { wrapped, stats };
}

async function tenDays(): Promise<MemoryViewStore> {
  const store = new MemoryViewStore({ defaultTtlSeconds: 0, now: () => START });
  const rows: TickRow[] = [];
  for (let d = 0; d < DAYS; d++) {
    for (let m = 0; m < 5; m++) {
      const at = START + d * DAY_MS + m * 3_600_000;
      rows.push({
        symbol: 'AAPL',
        day: utcDay(at),
        trade_timestamp: at,
        open_price: 1,
        high_price: 1,
        low_price: 1,
        close_price: d * 10 + m,
        volume: 1,
      });
    }
  }
  await store.upsert(TABLES.marketData.name, rows);
  return store;
}

const read = (store: ViewStore, limit: number, concurrency: number, cursor?: string) =>
  readRange<TickRow>(store, {
    table: TABLES.marketData.name,
    partition: { symbol: 'AAPL' },
    from: START,
    to: START + DAYS * DAY_MS,
    limit,
    concurrency,
    ...(cursor ? { cursor } : {}),
  });

describe('readRange', () => {
  it('keeps at most `concurrency` day queries in flight', async () => {
    const { wrapped, stats } = observed(await tenDays());
    const { rows } = await read(wrapped, 1000, 3);
    expect(rows).toHaveLength(50);
    expect(stats.peak).toBe(3);
    expect(stats.days).toHaveLength(DAYS);
  });

  it('stops asking for older days once the limit is reached', async () => {
    const { wrapped, stats } = observed(await tenDays());
    const { rows, cursor } = await read(wrapped, 7, 2);
    expect(rows.map((r) => r.close_price)).toEqual([94, 93, 92, 91, 90, 84, 83]);
    expect(cursor).toBeDefined();
    // Newest day first; the limit is met in the second day, with at most one more in flight.
    expect(stats.days.slice(0, 2)).toEqual(['2024-01-10', '2024-01-09']);
    expect(stats.days.length).toBeLessThanOrEqual(3);
  });

  it('resumes from a cursor on a day boundary without repeating or skipping', async () => {
    const store = await tenDays();
    const first = await read(store, 5, 4);
    expect(first.rows.map((r) => r.close_price)).toEqual([94, 93, 92, 91, 90]);
    const second = await read(store, 5, 4, first.cursor);
    expect(second.rows.map((r) => r.close_price)).toEqual([84, 83, 82, 81, 80]);
  });

  it('refuses a cursor made for another table or one outside the range', async () => {
    const store = await tenDays();
    const foreign = encodeCursor(TABLES.tweetsBySymbol.name, [START, 'x']);
    await expect(read(store, 5, 1, foreign)).rejects.toThrow(/cursor/);
    await expect(read(store, 5, 1, 'not-a-cursor')).rejects.toThrow(/cursor/);
    const outside = encodeCursor(TABLES.marketData.name, [START - 1]);
    await expect(read(store, 5, 1, outside)).rejects.toThrow(/outside/);
    expect(decodeCursor(TABLES.marketData, encodeCursor(TABLES.marketData.name, [START]))).toEqual([START]);
  });

  it('returns nothing for an empty range', async () => {
    const store = await tenDays();
    const page = await readRange(store, {
      table: TABLES.marketData.name,
      partition: { symbol: 'AAPL' },
      from: START + DAY_MS,
      to: START + DAY_MS,
      limit: 10,
    });
    expect(page).toEqual({ rows: [] });
  });
});
