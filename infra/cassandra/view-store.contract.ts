/**
 * The view-store contract: one suite for the embedded store and for real Cassandra. Each test
 * writes under its own random symbol, so runs against a shared server never collide.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow, TickRow, TweetBySymbolRow } from '../../schemas/rows.js';
import { sleep } from '../retry.js';
import type { ViewStore } from './view-store.js';

const DAY = '2024-05-01';
const T0 = Date.UTC(2024, 4, 1, 13, 0, 0);
const MINUTE = 60_000;

export interface ViewStoreContractOptions {
  /** Lets TTL expire: real time for a server, a fake clock for the stand-in. */
  elapse?: (ms: number) => Promise<void>;
}

export function viewStoreContract(
  name: string,
  open: () => Promise<ViewStore>,
  { elapse = sleep }: ViewStoreContractOptions = {},
): void {
  describe(`view store contract: ${name}`, () => {
    let store: ViewStore;
    const symbol = () => `T${randomUUID().replaceAll('-', '').slice(0, 5).toUpperCase()}`;

    const tick = (s: string, minute: number, close: number): TickRow => ({
      symbol: s,
      day: DAY,
      trade_timestamp: T0 + minute * MINUTE,
      open_price: close - 1,
      high_price: close + 1,
      low_price: close - 2,
      close_price: close,
      volume: 1000 + minute,
    });

    beforeAll(async () => {
      store = await open();
      await store.ensureSchema();
      await store.ensureSchema(); // idempotent
    });
    afterAll(async () => {
      await store.close();
    });

    it('returns a partition newest first, limited', async () => {
      const s = symbol();
      await store.upsert(TABLES.marketData.name, [tick(s, 1, 101), tick(s, 3, 103), tick(s, 2, 102)]);
      const rows = await store.query<TickRow>(TABLES.marketData.name, {
        partition: { symbol: s, day: DAY },
        limit: 2,
      });
      expect(rows.map((r) => r.close_price)).toEqual([103, 102]);
      expect(rows[0]).toEqual(tick(s, 3, 103));
    });

    it('bounds the first clustering column and can read oldest first', async () => {
      const s = symbol();
      await store.upsert(
        TABLES.marketData.name,
        [0, 1, 2, 3, 4, 5].map((m) => tick(s, m, 100 + m)),
      );
      const rows = await store.query<TickRow>(TABLES.marketData.name, {
        partition: { symbol: s, day: DAY },
        range: { gte: T0 + 1 * MINUTE, lt: T0 + 4 * MINUTE },
        order: 'reversed',
      });
      expect(rows.map((r) => r.close_price)).toEqual([101, 102, 103]);
      const open = await store.query<TickRow>(TABLES.marketData.name, {
        partition: { symbol: s, day: DAY },
        range: { gt: T0 + 4 * MINUTE },
      });
      expect(open.map((r) => r.close_price)).toEqual([105]);
    });

    it('keeps partitions apart by symbol and day', async () => {
      const s = symbol();
      const other = symbol();
      await store.upsert(TABLES.marketData.name, [
        tick(s, 1, 1),
        tick(other, 1, 2),
        { ...tick(s, 1, 3), day: '2024-05-02' },
      ]);
      const rows = await store.query<TickRow>(TABLES.marketData.name, { partition: { symbol: s, day: DAY } });
      expect(rows.map((r) => r.close_price)).toEqual([1]);
      expect(
        await store.query(TABLES.marketData.name, { partition: { symbol: symbol(), day: DAY } }),
      ).toEqual([]);
    });

    it('upserts by primary key: a rewrite replaces, an undefined column keeps its value', async () => {
      const s = symbol();
      const base: SentimentMinuteRow = {
        symbol: s,
        day: DAY,
        minute: T0,
        tweet_count: 2,
        positive_count: 1,
        neutral_count: 1,
        negative_count: 0,
        compound_sum: 0.75,
        compound_min: 0,
        compound_max: 0.75,
        tweet_count_5m: 2,
        positive_count_5m: 1,
        neutral_count_5m: 1,
        negative_count_5m: 0,
        compound_sum_5m: 0.75,
        tick_count: 0,
        final: false,
        updated_at: T0 + 5000,
      };
      await store.upsert(TABLES.sentimentByMinute.name, [base]);
      await store.upsert(TABLES.sentimentByMinute.name, [
        {
          ...base,
          tweet_count: 3,
          compound_sum: 0.5,
          compound_min: undefined,
          tick_count: 4,
          open_price: 10,
          high_price: 12,
          low_price: 9,
          close_price: 11,
          volume: 400,
          final: true,
        },
      ]);
      const [row] = await store.query<SentimentMinuteRow>(TABLES.sentimentByMinute.name, {
        partition: { symbol: s, day: DAY },
      });
      expect(row).toEqual({
        ...base,
        tweet_count: 3,
        compound_sum: 0.5,
        compound_min: 0,
        tick_count: 4,
        open_price: 10,
        high_price: 12,
        low_price: 9,
        close_price: 11,
        volume: 400,
        final: true,
      });
    });

    it('leaves out columns that never had a value', async () => {
      const s = symbol();
      await store.upsert(TABLES.sentimentByMinute.name, [
        {
          symbol: s,
          day: DAY,
          minute: T0,
          tweet_count: 1,
          positive_count: 1,
          neutral_count: 0,
          negative_count: 0,
          compound_sum: 0.4,
          tick_count: 0,
          final: false,
          updated_at: T0,
        },
      ]);
      const [row] = await store.query<SentimentMinuteRow>(TABLES.sentimentByMinute.name, {
        partition: { symbol: s, day: DAY },
      });
      expect(row && 'open_price' in row).toBe(false);
      expect(row?.tweet_count).toBe(1);
    });

    it('orders rows with equal time by the next clustering column', async () => {
      const s = symbol();
      const tweet = (id: string, at: number): TweetBySymbolRow => ({
        symbol: s,
        day: DAY,
        created_at: at,
        id,
        text: `tweet ${id} $${s}`,
        user_id: 'u1',
        compound: 0.1,
        pos: 0.2,
        neu: 0.8,
        neg: 0,
        label: 'positive',
      });
      await store.upsert(TABLES.tweetsBySymbol.name, [tweet('b', T0), tweet('a', T0), tweet('c', T0 + 1000)]);
      const rows = await store.query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
        partition: { symbol: s, day: DAY },
      });
      expect(rows.map((r) => r.id)).toEqual(['c', 'a', 'b']);
    });

    it('expires rows after their TTL', async () => {
      const s = symbol();
      // Cassandra counts TTL in whole seconds from the write's second: a 1 s TTL can be gone at
      // once, so 2 s leaves at least a full second to see the row alive.
      await store.upsert(TABLES.marketData.name, [tick(s, 1, 1)], { ttlSeconds: 2 });
      await store.upsert(TABLES.marketData.name, [tick(s, 2, 2)]);
      expect(await store.query(TABLES.marketData.name, { partition: { symbol: s, day: DAY } })).toHaveLength(
        2,
      );
      await elapse(3100);
      const rows = await store.query<TickRow>(TABLES.marketData.name, { partition: { symbol: s, day: DAY } });
      expect(rows.map((r) => r.close_price)).toEqual([2]);
    });

    it('refuses a row without its partition key', async () => {
      await expect(
        store.upsert(TABLES.marketData.name, [{ ...tick(symbol(), 1, 1), day: undefined }]),
      ).rejects.toThrow(/day/);
    });
  });
}
