/**
 * The view-store contract against real Cassandra (CASSANDRA_CONTACT_POINTS, set by
 * `npm run test:integration`), in a keyspace of its own per run so test rows never mix with a
 * demo's or another run's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandraDriver from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackends } from '../../infra/backends.js';
import { CassandraViewStore } from '../../infra/cassandra/cassandra-view-store.js';
import { viewStoreContract } from '../../infra/cassandra/view-store.contract.js';
import { loadConfig } from '../../infra/config.js';
import { createLogger } from '../../infra/logger.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { TweetBySymbolRow } from '../../schemas/rows.js';

const config = loadConfig(process.env);
if (!config.cassandra)
  throw new Error('CASSANDRA_CONTACT_POINTS is not set: run through `npm run test:integration`');
const cassandra = config.cassandra;
const run = randomUUID().replaceAll('-', '').slice(0, 10);
const keyspaces: string[] = [];
const open = (
  keyspace = `it_views_${run}`,
  extra: { writesInFlight?: number; maxBatchRows?: number } = {},
) => {
  if (!keyspaces.includes(keyspace)) keyspaces.push(keyspace);
  return CassandraViewStore.connect({
    contactPoints: cassandra.contactPoints,
    localDataCenter: cassandra.localDataCenter,
    keyspace,
    replicationFactor: 1,
    defaultTtlSeconds: 3600,
    ...extra,
  });
};

/** A plain driver client, for what the port does not do: old tables, write-time checks, clean-up. */
async function rawClient() {
  const client = new cassandraDriver.Client({
    contactPoints: cassandra.contactPoints,
    localDataCenter: cassandra.localDataCenter,
  });
  await client.connect();
  return client;
}

afterAll(async () => {
  const client = await rawClient();
  try {
    for (const keyspace of keyspaces) await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  } finally {
    await client.shutdown();
  }
});

const tweet = (symbol: string, i: number, day = '2024-05-01'): TweetBySymbolRow => ({
  symbol,
  day,
  created_at: Date.parse(`${day}T00:00:00Z`) + i * 1000,
  id: `t${i}`,
  text: `tweet ${i}`,
  user_id: 'u',
  compound: 0,
  pos: 0,
  neu: 1,
  neg: 0,
  label: 'neutral',
});

viewStoreContract('cassandra', () => open());

describe('cassandra adapter on a real server', () => {
  let store: CassandraViewStore;
  beforeAll(async () => {
    store = await open();
    await store.ensureSchema();
  });
  afterAll(async () => {
    await store.close();
  });

  it('writes many rows with bounded concurrency and reads them all back across pages', async () => {
    const symbol = `B${randomUUID().slice(0, 5).toUpperCase()}`;
    const t0 = Date.UTC(2024, 4, 1);
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      symbol,
      day: '2024-05-01',
      trade_timestamp: t0 + i * 1000,
      open_price: i,
      high_price: i + 1,
      low_price: i - 1,
      close_price: i,
      volume: 2 ** 40 + i,
    }));
    await store.upsert(TABLES.marketData.name, rows);
    const back = await store.query(TABLES.marketData.name, { partition: { symbol, day: '2024-05-01' } });
    expect(back).toHaveLength(2500);
    expect(back[0]).toEqual(rows[2499]);
  });

  it('keeps write requests of concurrent upsert calls under one bound, and lands every row', async () => {
    const bounded = await open(undefined, { writesInFlight: 3, maxBatchRows: 10 });
    try {
      const symbols = Array.from({ length: 6 }, (_, i) => `W${i}${run.slice(0, 4).toUpperCase()}`);
      let peak = 0;
      let sampling = true;
      const sample = (async () => {
        while (sampling) {
          peak = Math.max(peak, bounded.writesInFlight);
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await Promise.all(
        symbols.map((symbol) =>
          bounded.upsert(
            TABLES.tweetsBySymbol.name,
            Array.from({ length: 200 }, (_, i) => tweet(symbol, i, i % 2 ? '2024-05-01' : '2024-05-02')),
          ),
        ),
      );
      sampling = false;
      await sample;
      expect(peak).toBe(3);
      for (const symbol of symbols) {
        for (const day of ['2024-05-01', '2024-05-02']) {
          const rows = await bounded.query(TABLES.tweetsBySymbol.name, { partition: { symbol, day } });
          expect(rows).toHaveLength(100);
        }
      }
    } finally {
      await bounded.close();
    }
  });

  it('sends writeTime as USING TIMESTAMP in microseconds, with the TTL', async () => {
    const symbol = `U${randomUUID().slice(0, 5).toUpperCase()}`;
    const writeTime = Date.UTC(2024, 4, 1, 12);
    await store.upsert(TABLES.tweetsBySymbol.name, [tweet(symbol, 1), tweet(symbol, 2)], {
      writeTime,
      ttlSeconds: 500,
    });
    const client = await rawClient();
    try {
      const result = await client.execute(
        `SELECT writetime(text) AS wt, ttl(text) AS ttl FROM it_views_${run}.tweets_by_symbol WHERE symbol = ? AND day = ?`,
        [symbol, '2024-05-01'],
        { prepare: true },
      );
      expect(result.rows).toHaveLength(2);
      for (const row of result.rows) {
        expect(row.get('wt').toString()).toBe(String(writeTime * 1000));
        expect(row.get('ttl')).toBeGreaterThan(490);
      }
    } finally {
      await client.shutdown();
    }
  });
});

describe('ensureSchema on a keyspace that predates the row schema', () => {
  it('adds the columns the row schemas gained, keeping the rows already there', async () => {
    const keyspace = `it_old_${run}`;
    keyspaces.push(keyspace);
    const client = await rawClient();
    try {
      await client.execute(
        `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
      );
      // tweets_by_symbol as it was before price_at_tweet and price_tick_at.
      await client.execute(`CREATE TABLE ${keyspace}.tweets_by_symbol (
        symbol text, day date, created_at timestamp, id text, text text, user_id text,
        compound double, pos double, neu double, neg double, label text,
        PRIMARY KEY ((symbol, day), created_at, id)) WITH CLUSTERING ORDER BY (created_at DESC, id ASC)`);
      await client.execute(
        `INSERT INTO ${keyspace}.tweets_by_symbol (symbol, day, created_at, id, text, user_id, compound, pos, neu, neg, label) VALUES ('OLD', '2024-05-01', '2024-05-01T00:00:01Z', 't1', 'old', 'u', 0, 0, 1, 0, 'neutral')`,
      );
    } finally {
      await client.shutdown();
    }
    const store = await open(keyspace);
    try {
      await store.ensureSchema();
      await store.ensureSchema(); // idempotent
      await store.upsert(TABLES.tweetsBySymbol.name, [
        { ...tweet('OLD', 2), price_at_tweet: 187.25, price_tick_at: Date.UTC(2024, 4, 1, 0, 0, 1) },
      ]);
      const rows = await store.query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
        partition: { symbol: 'OLD', day: '2024-05-01' },
      });
      expect(rows.map((r) => [r.id, r.price_at_tweet])).toEqual([
        ['t2', 187.25],
        ['t1', undefined],
      ]);
      expect(rows[1]).not.toHaveProperty('price_at_tweet');
      // The other tables, new in this keyspace, are created whole.
      await store.upsert(TABLES.sentimentByMinute.name, [
        {
          symbol: 'OLD',
          day: '2024-05-01',
          minute: Date.UTC(2024, 4, 1),
          tweet_count: 1,
          positive_count: 0,
          neutral_count: 1,
          negative_count: 0,
          compound_sum: 0,
          tweet_count_5m: 3,
          positive_count_5m: 0,
          neutral_count_5m: 3,
          negative_count_5m: 0,
          compound_sum_5m: 0,
          tick_count: 0,
          final: false,
          updated_at: Date.UTC(2024, 4, 1),
        },
      ]);
    } finally {
      await store.close();
    }
  });
});

describe('openBackends', () => {
  it('bounds the Cassandra writes in flight by CASSANDRA_WRITES_IN_FLIGHT', async () => {
    const keyspace = `it_wiring_${run}`;
    keyspaces.push(keyspace);
    const lakeDir = await mkdtemp(join(tmpdir(), 'it-wiring-'));
    const backends = await openBackends(
      loadConfig({
        CASSANDRA_CONTACT_POINTS: cassandra.contactPoints.join(','),
        CASSANDRA_LOCAL_DC: cassandra.localDataCenter,
        CASSANDRA_KEYSPACE: keyspace,
        CASSANDRA_WRITES_IN_FLIGHT: '2',
        LAKE_DIR: lakeDir,
      }),
      createLogger('silent'),
      { createTopics: false },
    );
    try {
      expect(backends.kinds.viewStore).toBe('cassandra');
      const store = backends.viewStore as CassandraViewStore;
      let peak = 0;
      const writes = Promise.all(
        ['A', 'B', 'C', 'D'].map((s) =>
          store.upsert(
            TABLES.tweetsBySymbol.name,
            Array.from({ length: 50 }, (_, i) => tweet(`WIRE${s}`, i, `2024-05-0${(i % 5) + 1}`)),
          ),
        ),
      );
      let done = false;
      void writes.finally(() => {
        done = true;
      });
      while (!done) {
        peak = Math.max(peak, store.writesInFlight);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writes;
      expect(peak).toBe(2);
    } finally {
      await backends.close();
      await rm(lakeDir, { recursive: true, force: true });
    }
  });
});
