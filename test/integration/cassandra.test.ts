/**
 * The view-store contract against real Cassandra (CASSANDRA_CONTACT_POINTS, set by
 * `npm run test:integration`), in a keyspace of its own so test rows never mix with a demo's.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CassandraViewStore } from '../../infra/cassandra/cassandra-view-store.js';
import { viewStoreContract } from '../../infra/cassandra/view-store.contract.js';
import { loadConfig } from '../../infra/config.js';
import { TABLES } from '../../schemas/cassandra.js';

const config = loadConfig(process.env);
if (!config.cassandra)
  throw new Error('CASSANDRA_CONTACT_POINTS is not set: run through `npm run test:integration`');
const cassandra = config.cassandra;
const open = (keyspace = 'sentiment_it') =>
  CassandraViewStore.connect({
    contactPoints: cassandra.contactPoints,
    localDataCenter: cassandra.localDataCenter,
    keyspace,
    replicationFactor: 1,
    defaultTtlSeconds: 3600,
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
});
