import { describe, expect, it } from 'vitest';
import { cassandraDdl, cqlColumns, TABLES } from './cassandra.js';

describe('Cassandra DDL', () => {
  const ddl = cassandraDdl({ keyspace: 'sentiment', replicationFactor: 1, ttlSeconds: 172_800 });

  it('creates the keyspace, the three views and the alerts table idempotently', () => {
    expect(ddl).toHaveLength(5);
    expect(ddl.every((s) => s.includes('IF NOT EXISTS'))).toBe(true);
    expect(ddl[0]).toContain("'replication_factor': 1");
  });

  it('partitions by (symbol, day), clusters newest first, and sets the TTL', () => {
    const minute = ddl.find((s) => s.includes('sentiment.sentiment_by_minute')) as string;
    expect(minute).toContain('PRIMARY KEY ((symbol, day), minute)');
    expect(minute).toContain('CLUSTERING ORDER BY (minute DESC)');
    expect(minute).toContain('default_time_to_live = 172800');
    const tweets = ddl.find((s) => s.includes('tweets_by_symbol')) as string;
    expect(tweets).toContain('PRIMARY KEY ((symbol, day), created_at, id)');
    expect(tweets).toContain('CLUSTERING ORDER BY (created_at DESC, id ASC)');
    const alerts = ddl.find((s) => s.includes('alerts_by_symbol')) as string;
    expect(alerts).toContain('PRIMARY KEY ((symbol, day), opened_at, rule)');
  });

  it('derives CQL column types from the row schemas', () => {
    const types = Object.fromEntries(cqlColumns(TABLES.sentimentByMinute).map((c) => [c.name, c.cqlType]));
    expect(types).toMatchObject({
      day: 'date',
      minute: 'timestamp',
      tweet_count: 'bigint',
      final: 'boolean',
      close_price: 'double',
    });
  });
});
