/**
 * Each server is stopped and restarted under a live client (infra/local `down`/`up`). What must
 * hold: everything the adapter acknowledged before the outage is still there after it; an
 * operation during the outage fails with a retryable error (never a silent drop) or succeeds once
 * retried; the same client object works again after the restart, without being reopened.
 *
 * The servers are shared with the other integration files, so these tests run one after the
 * other (vitest runs the tests of a file sequentially) and each ends with its server up.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { openBackends } from '../../infra/backends.js';
import { CassandraViewStore } from '../../infra/cassandra/cassandra-view-store.js';
import { loadConfig } from '../../infra/config.js';
import { CommitRefusedError, nextOffsets } from '../../infra/kafka/event-log.js';
import { KafkaEventLog } from '../../infra/kafka/kafka-event-log.js';
import { S3ObjectStore } from '../../infra/lake/s3-object-store.js';
import { down, type ServerName, up } from '../../infra/local/index.js';
import { isRetryable, sleep } from '../../infra/retry.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { TickRow } from '../../schemas/rows.js';

const config = loadConfig(process.env);
const RESTART_TIMEOUT = 240_000;

/** Retries `operation` while it fails with a retryable error, as a caller of the ports would. */
async function untilDone<T>(
  operation: () => Promise<T>,
  timeoutMs = 120_000,
): Promise<{ value: T; failures: number }> {
  const deadline = Date.now() + timeoutMs;
  let failures = 0;
  for (;;) {
    try {
      return { value: await operation(), failures };
    } catch (error) {
      if (!isRetryable(error) || Date.now() > deadline) throw error;
      failures++;
      await sleep(500);
    }
  }
}

/** Whether `operation` fails during the outage; a failure must be retryable. */
async function attemptDuringOutage(operation: () => Promise<unknown>): Promise<'failed' | 'succeeded'> {
  try {
    await operation();
    return 'succeeded';
  } catch (error) {
    expect(isRetryable(error), `not retryable: ${(error as Error).message}`).toBe(true);
    return 'failed';
  }
}

const stopped = new Set<ServerName>();
async function stop(name: ServerName) {
  stopped.add(name);
  await down([name]);
}
async function start(name: ServerName) {
  await up([name]);
  stopped.delete(name);
}

afterAll(async () => {
  // Leave every server running for the other test files, even after a failure.
  if (stopped.size > 0) await up([...stopped]);
}, RESTART_TIMEOUT);

describe('start-up on real servers', () => {
  it('opens every backend real from the environment and creates the topics, tables and bucket', async () => {
    const backends = await openBackends(config, pino({ level: 'silent' }));
    try {
      expect(backends.kinds).toEqual({ eventLog: 'kafka', viewStore: 'cassandra', objectStore: 's3' });
      const ends = await backends.eventLog.endOffsets('tweets');
      expect(ends.size).toBeGreaterThan(0);
      expect((await backends.eventLog.endOffsets('stock-prices.dlq')).size).toBeGreaterThan(0);
      expect(
        await backends.viewStore.query(TABLES.marketData.name, {
          partition: { symbol: 'NONE', day: '2024-05-01' },
        }),
      ).toEqual([]);
      expect(backends.objectStore.locate('gold/x.parquet')).toMatch(/^s3:\/\//);
    } finally {
      await backends.close();
    }
  });
});

describe('failover: kafka restart', () => {
  it(
    'keeps every acknowledged message and resumes the same producer and consumer',
    async () => {
      if (!config.kafka) throw new Error('KAFKA_BROKERS is not set');
      const log = new KafkaEventLog({ brokers: config.kafka.brokers, clientId: 'it-failover' });
      const topic = `it-failover-${randomUUID().slice(0, 8)}`;
      const groupId = `it-failover-${randomUUID().slice(0, 8)}`;
      try {
        await log.createTopics([{ name: topic, partitions: 3 }]);
        const acked = new Set<string>();
        const batch = (from: number) =>
          Array.from({ length: 50 }, (_, i) => ({ key: `k${(from + i) % 7}`, value: String(from + i) }));
        const produce = async (from: number) => {
          await log.produce(topic, batch(from));
          for (const m of batch(from)) acked.add(m.value);
        };
        await produce(0);
        const consumer = await log.consumer({ groupId, topics: [topic], fromBeginning: true });
        const before = await consumer.poll({ maxMessages: 20, maxWaitMs: 10_000 });
        await consumer.commit(nextOffsets(before));

        await stop('kafka');
        const during = await attemptDuringOutage(() => produce(50));
        // Messages fetched before the broker went away may still be handed out; they count as seen.
        const seen = new Set(before.map((m) => new TextDecoder().decode(m.value)));
        const pollDuring = await attemptDuringOutage(async () => {
          for (const m of await consumer.poll({ maxWaitMs: 1000 }))
            seen.add(new TextDecoder().decode(m.value));
        });
        await start('kafka');

        if (during === 'failed') await untilDone(() => produce(50));
        const { failures } = await untilDone(() => produce(100));
        expect(failures).toBeLessThan(200);

        // The consumer that lived through the restart reads on from its committed offsets.
        const deadline = Date.now() + 90_000;
        while ([...acked].some((v) => !seen.has(v)) && Date.now() < deadline) {
          try {
            const messages = await consumer.poll({ maxWaitMs: 1000 });
            for (const m of messages) seen.add(new TextDecoder().decode(m.value));
            await consumer.commit(nextOffsets(messages));
          } catch (error) {
            // A commit refused because the group moved on: the messages are read again.
            if (!isRetryable(error) && !(error instanceof CommitRefusedError)) throw error;
            await sleep(500);
          }
        }
        await consumer.close();
        expect([...acked].filter((v) => !seen.has(v))).toEqual([]);
        expect(acked.size).toBe(150);
        // And a fresh group sees every acknowledged message once.
        const fresh = await log.consumer({
          groupId: `${groupId}-fresh`,
          topics: [topic],
          fromBeginning: true,
        });
        const all: string[] = [];
        const end = Date.now() + 30_000;
        while (all.length < acked.size && Date.now() < end) {
          for (const m of await fresh.poll({ maxWaitMs: 500 })) all.push(new TextDecoder().decode(m.value));
        }
        await fresh.close();
        expect(new Set(all)).toEqual(acked);
        expect(all).toHaveLength(acked.size); // idempotent producer: no duplicate from a retried send
        console.info(`kafka failover: produce during outage ${during}, poll during outage ${pollDuring}`);
      } finally {
        await log.close();
      }
    },
    RESTART_TIMEOUT,
  );
});

describe('failover: cassandra restart', () => {
  it(
    'keeps acknowledged rows; writes during the outage fail retryably and land once retried',
    async () => {
      const c = config.cassandra;
      if (!c) throw new Error('CASSANDRA_CONTACT_POINTS is not set');
      const store = await CassandraViewStore.connect({
        contactPoints: c.contactPoints,
        localDataCenter: c.localDataCenter,
        keyspace: 'sentiment_it',
        replicationFactor: 1,
        defaultTtlSeconds: 3600,
      });
      const symbol = `F${randomUUID().slice(0, 5).toUpperCase()}`;
      const t0 = Date.UTC(2024, 4, 1);
      const tick = (i: number): TickRow => ({
        symbol,
        day: '2024-05-01',
        trade_timestamp: t0 + i * 1000,
        open_price: i,
        high_price: i,
        low_price: i,
        close_price: i,
        volume: i,
      });
      const partition = { partition: { symbol, day: '2024-05-01' } };
      try {
        await store.ensureSchema();
        await store.upsert(
          TABLES.marketData.name,
          Array.from({ length: 100 }, (_, i) => tick(i)),
        );

        await stop('cassandra');
        const during = await attemptDuringOutage(() =>
          store.upsert(
            TABLES.marketData.name,
            Array.from({ length: 50 }, (_, i) => tick(100 + i)),
          ),
        );
        await start('cassandra');

        if (during === 'failed') {
          await untilDone(() =>
            store.upsert(
              TABLES.marketData.name,
              Array.from({ length: 50 }, (_, i) => tick(100 + i)),
            ),
          );
        }
        const { value: rows } = await untilDone(() =>
          store.query<TickRow>(TABLES.marketData.name, partition),
        );
        expect(rows.map((r) => r.volume).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 150 }, (_, i) => i),
        );
        console.info(`cassandra failover: upsert during outage ${during}`);
      } finally {
        await store.close();
      }
    },
    RESTART_TIMEOUT,
  );
});

describe('failover: minio restart', () => {
  it(
    'keeps acknowledged objects; puts during the outage fail retryably and land once retried',
    async () => {
      if (!config.s3) throw new Error('S3_BUCKET is not set');
      const store = new S3ObjectStore(config.s3);
      await store.ensureBucket();
      const run = `it-failover-${randomUUID().slice(0, 8)}`;
      const key = (i: number) => `${run}/object-${String(i).padStart(3, '0')}.txt`;
      try {
        for (let i = 0; i < 20; i++) await store.put(key(i), `body ${i}`);

        await stop('minio');
        const during = await attemptDuringOutage(() => store.put(key(20), 'body 20'));
        const readDuring = await attemptDuringOutage(() => store.get(key(0)));
        await start('minio');

        if (during === 'failed') await untilDone(() => store.put(key(20), 'body 20'));
        for (let i = 0; i <= 20; i++) {
          const { value } = await untilDone(() => store.get(key(i)));
          expect(new TextDecoder().decode(value)).toBe(`body ${i}`);
        }
        const listed: string[] = [];
        for await (const o of store.list(`${run}/`)) listed.push(o.key);
        expect(listed).toEqual(Array.from({ length: 21 }, (_, i) => key(i)));
        for (const k of listed) await store.delete(k);
        console.info(`minio failover: put during outage ${during}, get during outage ${readDuring}`);
      } finally {
        await store.close();
      }
    },
    RESTART_TIMEOUT,
  );
});
