import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CassandraViewStore, fromCql, toCql } from './cassandra-view-store.js';

describe('CQL value conversions', () => {
  it('maps epoch milliseconds to a timestamp and back', () => {
    const ms = Date.UTC(2024, 4, 1, 13, 45, 12, 345);
    const cql = toCql('timestamp', ms);
    expect(cql).toBeInstanceOf(Date);
    expect(fromCql('timestamp', cql)).toBe(ms);
  });

  it('maps a YYYY-MM-DD day to a LocalDate and back', () => {
    const cql = toCql('date', '2024-02-29');
    expect(cql).toBeInstanceOf(cassandra.types.LocalDate);
    expect(fromCql('date', cql)).toBe('2024-02-29');
  });

  it('maps a bigint column to a Long and back, beyond 32 bits', () => {
    const cql = toCql('bigint', 2 ** 40 + 7);
    expect(cql).toBeInstanceOf(cassandra.types.Long);
    expect(fromCql('bigint', cql)).toBe(2 ** 40 + 7);
  });

  it('keeps undefined as undefined, so the driver sends unset and the stored cell stays', () => {
    expect(toCql('double', undefined)).toBeUndefined();
    expect(toCql('timestamp', undefined)).toBeUndefined();
  });

  it('reads a cell without a value as undefined, never null', () => {
    expect(fromCql('double', null)).toBeUndefined();
    expect(fromCql('text-list', null)).toBeUndefined();
  });

  it('passes text, doubles, booleans and lists through', () => {
    expect(toCql('text', 'AAPL')).toBe('AAPL');
    expect(fromCql('double', 0.25)).toBe(0.25);
    expect(fromCql('boolean', false)).toBe(false);
    expect(fromCql('text-list', ['A', 'B'])).toEqual(['A', 'B']);
  });
});

describe('CassandraViewStore.connect', () => {
  it('rejects when nothing listens at the contact point', async () => {
    await expect(
      CassandraViewStore.connect({
        contactPoints: ['127.0.0.1:1'],
        localDataCenter: 'datacenter1',
        keyspace: 'sentiment',
        replicationFactor: 1,
        defaultTtlSeconds: 60,
        connectTimeoutMs: 1000,
      }),
    ).rejects.toThrow(/All host\(s\) tried/);
  });
});
