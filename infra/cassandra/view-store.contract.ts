/**
 * The view-store contract: one suite for the embedded store and for real Cassandra. Each test
 * writes under its own random symbol, so runs against a shared server never collide.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow, TickRow, TweetBySymbolRow } from '../../schemas/rows.js';
import { DAY_MS, utcDay } from '../../schemas/time.js';
import { sleep } from '../retry.js';
import { readRange } from './range-reader.js';
import type { ViewRow, ViewStore } from './view-store.js';

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

    const tweetRow = (s: string, id: string, at: number): TweetBySymbolRow => ({
      symbol: s,
      day: utcDay(at),
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
          tweet_count_5m: 1,
          positive_count_5m: 1,
          neutral_count_5m: 0,
          negative_count_5m: 0,
          compound_sum_5m: 0.4,
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
      const tweet = (id: string, at: number) => tweetRow(s, id, at);
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
      await store.upsert(TABLES.marketData.name, [tick(s, 1, 1), tick(s, 3, 3)], { ttlSeconds: 2 });
      await store.upsert(TABLES.marketData.name, [tick(s, 2, 2)]);
      // TTL is per cell: this later write gives one column of minute 3 no expiry, and the row
      // lives on with just that column once the rest expires.
      const key3 = { symbol: s, day: DAY, trade_timestamp: T0 + 3 * MINUTE };
      await store.upsert(TABLES.marketData.name, [{ ...key3, volume: 77 }], { ttlSeconds: 0 });
      // An expired cell still wins a tie on equal write time (until gc grace): the rewrite is lost.
      const writeTime = Date.UTC(2024, 4, 1, 12);
      await store.upsert(TABLES.marketData.name, [tick(s, 4, 4)], { writeTime, ttlSeconds: 2 });
      expect(await store.query(TABLES.marketData.name, { partition: { symbol: s, day: DAY } })).toHaveLength(
        4,
      );
      await elapse(3100);
      await store.upsert(TABLES.marketData.name, [tick(s, 4, 8)], { writeTime, ttlSeconds: 0 });
      const rows = await store.query<TickRow>(TABLES.marketData.name, { partition: { symbol: s, day: DAY } });
      expect(rows).toEqual([{ ...key3, volume: 77 }, tick(s, 2, 2)]);
    });

    it('refuses a row without its partition key', async () => {
      await expect(
        store.upsert(TABLES.marketData.name, [{ ...tick(symbol(), 1, 1), day: undefined }]),
      ).rejects.toThrow(/day/);
    });

    describe('validation before any write', () => {
      it('refuses a string where a timestamp belongs, naming the table and the column', async () => {
        const s = symbol();
        const bad = { ...tick(s, 1, 1), trade_timestamp: '2024-05-01T13:01:00Z' };
        await expect(store.upsert(TABLES.marketData.name, [bad])).rejects.toThrow(
          /market_data.*trade_timestamp.*integer/,
        );
      });

      it('writes nothing when any row of the call is bad (all or nothing)', async () => {
        const s = symbol();
        const rows: ViewRow[] = Array.from({ length: 120 }, (_, i) => tick(s, i % 60, 100 + i));
        rows.push({ ...tick(s, 61, 1), close_price: 'high' });
        await expect(store.upsert(TABLES.marketData.name, rows)).rejects.toThrow(/close_price/);
        expect(await store.query(TABLES.marketData.name, { partition: { symbol: s, day: DAY } })).toEqual([]);
      });

      it('refuses null (the port promises absent) and columns the table does not have', async () => {
        const s = symbol();
        await expect(
          store.upsert(TABLES.marketData.name, [{ ...tick(s, 1, 1), volume: null }]),
        ).rejects.toThrow(/volume.*null/);
        await expect(
          store.upsert(TABLES.marketData.name, [{ ...tick(s, 1, 1), colour: 'red' }]),
        ).rejects.toThrow(/colour/);
        expect(await store.query(TABLES.marketData.name, { partition: { symbol: s, day: DAY } })).toEqual([]);
      });
    });

    describe('write time (USING TIMESTAMP)', () => {
      const at = Date.UTC(2024, 4, 1, 13, 30);

      it('never lets an older replay overwrite a newer cell, while its other cells still land', async () => {
        const s = symbol();
        const key = { symbol: s, day: DAY, created_at: T0, id: 'x' };
        await store.upsert(TABLES.tweetsBySymbol.name, [{ ...tweetRow(s, 'x', T0), compound: 0.9 }], {
          writeTime: at,
        });
        // The replay is older: compound stays; price_at_tweet was never written, so it lands.
        await store.upsert(
          TABLES.tweetsBySymbol.name,
          [{ ...tweetRow(s, 'x', T0), compound: -0.5, price_at_tweet: 101.5 }],
          { writeTime: at - 1 },
        );
        let [row] = await store.query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
          partition: { symbol: s, day: DAY },
        });
        expect(row).toMatchObject({ ...key, compound: 0.9, price_at_tweet: 101.5 });
        await store.upsert(TABLES.tweetsBySymbol.name, [{ ...tweetRow(s, 'x', T0), compound: 0.2 }], {
          writeTime: at + 1,
        });
        [row] = await store.query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
          partition: { symbol: s, day: DAY },
        });
        expect(row).toMatchObject({ compound: 0.2, price_at_tweet: 101.5 });
      });

      it('on equal write times keeps the greater serialized value, whatever the order of arrival', async () => {
        // Cassandra breaks the tie on the value's bytes: a negative double (sign bit set) beats 1.
        for (const [first, second] of [
          [1, -1],
          [-1, 1],
        ]) {
          const s = symbol();
          for (const close of [first, second] as number[]) {
            await store.upsert(TABLES.marketData.name, [tick(s, 1, close)], { writeTime: at });
          }
          const [row] = await store.query<TickRow>(TABLES.marketData.name, {
            partition: { symbol: s, day: DAY },
          });
          expect(row?.close_price).toBe(-1);
        }
      });

      it('on equal write times prefers the expiring cell over the one without expiry', async () => {
        const s = symbol();
        await store.upsert(TABLES.marketData.name, [tick(s, 1, 3)], { writeTime: at, ttlSeconds: 1000 });
        await store.upsert(TABLES.marketData.name, [tick(s, 1, 9)], { writeTime: at, ttlSeconds: 0 });
        const [row] = await store.query<TickRow>(TABLES.marketData.name, {
          partition: { symbol: s, day: DAY },
        });
        expect(row?.close_price).toBe(3);
      });

      it('without a write time, a later row of the same call wins over an earlier one', async () => {
        const s = symbol();
        // 6 then 5: a shared write time would keep 6 (the greater value); the later row must win.
        await store.upsert(TABLES.marketData.name, [tick(s, 1, 6), tick(s, 2, 7), tick(s, 1, 5)]);
        const rows = await store.query<TickRow>(TABLES.marketData.name, {
          partition: { symbol: s, day: DAY },
        });
        expect(rows.map((r) => r.close_price)).toEqual([7, 5]);
      });
    });

    describe('multi-column clustering bounds', () => {
      // created_at DESC, id ASC; three rows share T0.
      const ids = ['a', 'b', 'c'];
      let s: string;
      const read = (range: object, order?: 'reversed') =>
        store
          .query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
            partition: { symbol: s, day: DAY },
            range,
            ...(order ? { order } : {}),
          })
          .then((rows) => rows.map((r) => `${(r.created_at - T0) / 1000}${r.id}`));

      beforeAll(async () => {
        s = symbol();
        await store.upsert(TABLES.tweetsBySymbol.name, [
          tweetRow(s, 'x', T0 + 1000),
          ...ids.map((id) => tweetRow(s, id, T0)),
          tweetRow(s, 'z', T0 - 1000),
        ]);
      });

      it('compares a tuple by plain value order, as Cassandra does on mixed clustering orders', async () => {
        expect(await read({})).toEqual(['1x', '0a', '0b', '0c', '-1z']);
        expect(await read({ lt: [T0, 'b'] })).toEqual(['0a', '-1z']);
        expect(await read({ gt: [T0, 'b'] })).toEqual(['1x', '0c']);
        expect(await read({ gte: [T0, 'b'], lt: [T0 + 1000, 'a'] })).toEqual(['0b', '0c']);
      });

      it('narrows a tuple bound with a shorter one: the rows after a cursor within its timestamp', async () => {
        expect(await read({ gt: [T0, 'a'], lte: [T0] })).toEqual(['0b', '0c']);
        expect(await read({ lt: [T0, 'c'], gte: [T0] })).toEqual(['0a', '0b']);
        expect(await read({ gt: [T0, 'a'], lte: [T0] }, 'reversed')).toEqual(['0c', '0b']);
      });

      it('refuses two lower bounds, as CQL does', async () => {
        await expect(read({ gt: [T0, 'a'], gte: [T0] })).rejects.toThrow(/lower bound/);
      });
    });

    describe('range reader across day partitions', () => {
      // 300 rows over three days, three rows per timestamp, some at the very edges of a day.
      const start = Date.UTC(2024, 5, 10, 0, 0, 0);
      let s: string;
      let all: TweetBySymbolRow[];

      beforeAll(async () => {
        s = symbol();
        all = Array.from({ length: 300 }, (_, i) => {
          const slot = Math.floor(i / 3);
          const at =
            start + Math.floor(slot / 34) * DAY_MS + (slot % 34) * 2_540_000 + (slot % 34 === 33 ? 999 : 0);
          return tweetRow(s, `id${String(299 - i).padStart(3, '0')}`, at);
        });
        await store.upsert(TABLES.tweetsBySymbol.name, all);
        all.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      });

      const page = (cursor: string | undefined, limit: number, from = start, to = start + 3 * DAY_MS) =>
        readRange<TweetBySymbolRow>(store, {
          table: TABLES.tweetsBySymbol.name,
          partition: { symbol: s },
          from,
          to,
          limit,
          concurrency: 2,
          ...(cursor ? { cursor } : {}),
        });

      it('pages through every row exactly once, newest first, across days and equal timestamps', async () => {
        // Days hold 96, 102 and 102 rows (newest first): pages of 7 end inside groups of equal
        // created_at, pages of 6 end exactly on both day boundaries.
        expect(new Set(all.map((r) => r.day)).size).toBe(3);
        for (const limit of [7, 6]) {
          const seen: TweetBySymbolRow[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const result = await page(cursor, limit);
            expect(result.rows.length).toBeLessThanOrEqual(limit);
            seen.push(...result.rows);
            cursor = result.cursor;
            pages++;
          } while (cursor && pages < 100);
          expect(seen.map((r) => `${r.created_at}/${r.id}`)).toEqual(
            all.map((r) => `${r.created_at}/${r.id}`),
          );
          expect(pages).toBe(Math.ceil(300 / limit));
        }
      });

      it('stops at the limit and gives no cursor when nothing follows', async () => {
        const first = await page(undefined, 250);
        expect(first.rows).toHaveLength(250);
        expect(first.rows[0]).toEqual(all[0]);
        const rest = await page(first.cursor, 250);
        expect(rest.rows).toHaveLength(50);
        expect(rest.cursor).toBeUndefined();
      });

      it('bounds the range to [from, to)', async () => {
        const from = all[200]?.created_at as number;
        const to = all[20]?.created_at as number;
        const { rows } = await page(undefined, 1000, from, to);
        const expected = all.filter((r) => r.created_at >= from && r.created_at < to);
        expect(rows.map((r) => r.id)).toEqual(expected.map((r) => r.id));
        expect(rows.at(-1)?.created_at).toBe(from);
      });
    });
  });
}
