/**
 * Chooses each backend from the config, independently: a real server when its variables are set,
 * else the embedded stand-in. The layers only ever see the ports.
 *
 * Start-up: each real server gets bounded retries with backoff (one warning line per retry, see
 * retry.ts), then the product's topics, keyspace and tables, or bucket are created if missing. A
 * server that never answers fails `openBackends` with a ServerUnavailableError naming it; whatever
 * was already opened is closed again, so the CLI can exit non-zero cleanly.
 *
 * The real adapters are imported only when configured: their drivers take seconds to load,
 * which the embedded mode and every short CLI command would otherwise pay.
 */
import { deadLetterTopic } from '../schemas/events.js';
import { MemoryViewStore } from './cassandra/memory-view-store.js';
import type { ViewStore } from './cassandra/view-store.js';
import type { Config } from './config.js';
import type { EventLog, TopicSpec } from './kafka/event-log.js';
import { MemoryEventLog } from './kafka/memory-event-log.js';
import { LocalObjectStore } from './lake/local-object-store.js';
import type { ObjectStore } from './lake/object-store.js';
import type { Logger } from './logger.js';
import { connectWithRetry, DEFAULT_STARTUP_RETRY, type RetryOptions } from './retry.js';

export type BackendKind = 'embedded' | 'kafka' | 'cassandra' | 's3';

export interface Backends {
  eventLog: EventLog;
  viewStore: ViewStore;
  objectStore: ObjectStore;
  kinds: { eventLog: BackendKind; viewStore: BackendKind; objectStore: BackendKind };
  close(): Promise<void>;
}

export interface OpenBackendsOptions {
  /** Start-up retries per real server. */
  retry?: RetryOptions;
  /**
   * Timeout of each Kafka request (with the client's retries off), of each Cassandra connection
   * attempt and of each S3 connection (one attempt per request), for the clients' whole life, not
   * only their first contact. For tests that want an unreachable server to fail fast; the CLI
   * leaves it unset and gets the clients' defaults.
   */
  connectTimeoutMs?: number;
  /** Create the product's topics at start-up (default true). */
  createTopics?: boolean;
}

/** The product's topics and their dead-letter topics, sized from the config. */
export function productTopics(config: Config): TopicSpec[] {
  const { tweets, prices, alerts } = config.topics.names;
  // Inputs get a dead-letter topic; `alerts` is the speed layer's own output and needs none.
  return [...[tweets, prices].flatMap((name) => [name, deadLetterTopic(name)]), alerts].map((topic) => ({
    name: topic,
    partitions: config.topics.partitions,
    retentionMs: config.topics.retentionMs,
  }));
}

/**
 * The event log alone (for a producer, which needs no view store or lake), with the same
 * start-up retries; topics are the caller's to create.
 */
export async function openEventLog(
  config: Config,
  logger: Logger,
  options: OpenBackendsOptions = {},
): Promise<[EventLog, BackendKind]> {
  if (!config.kafka) {
    const { partitions, retentionMs } = config.topics;
    return [new MemoryEventLog({ defaultPartitions: partitions, retentionMs }), 'embedded'];
  }
  const { brokers, clientId } = config.kafka;
  const { KafkaEventLog } = await import('./kafka/kafka-event-log.js');
  const log = await connectWithRetry(
    'kafka',
    brokers.join(','),
    () =>
      answering(
        new KafkaEventLog({
          brokers,
          clientId,
          logger,
          ...(options.connectTimeoutMs ? { requestTimeoutMs: options.connectTimeoutMs, retries: 0 } : {}),
        }),
        (log) => log.ping(),
      ),
    logger,
    options.retry,
  );
  return [log, 'kafka'];
}

async function openViewStore(
  config: Config,
  logger: Logger,
  options: OpenBackendsOptions,
): Promise<[ViewStore, BackendKind]> {
  const defaultTtlSeconds = Math.round(config.speedViewTtlMs / 1000);
  if (!config.cassandra) return [new MemoryViewStore({ defaultTtlSeconds }), 'embedded'];
  const c = config.cassandra;
  const { CassandraViewStore } = await import('./cassandra/cassandra-view-store.js');
  const store = await connectWithRetry(
    'cassandra',
    c.contactPoints.join(','),
    () =>
      CassandraViewStore.connect({
        contactPoints: c.contactPoints,
        localDataCenter: c.localDataCenter,
        keyspace: c.keyspace,
        replicationFactor: c.replicationFactor,
        defaultTtlSeconds,
        writesInFlight: config.cassandraWritesInFlight,
        ...(options.connectTimeoutMs ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
      }),
    logger,
    options.retry,
  );
  return [store, 'cassandra'];
}

/** The lake alone (for the batch layer, which needs no event log or view store). */
export async function openObjectStore(
  config: Config,
  logger: Logger,
  options: OpenBackendsOptions,
): Promise<[ObjectStore, BackendKind]> {
  if (!config.s3) return [await LocalObjectStore.open(config.lakeDir), 'embedded'];
  const s3 = config.s3;
  const { S3ObjectStore } = await import('./lake/s3-object-store.js');
  const store = await connectWithRetry(
    's3',
    `${s3.endpoint ?? 'aws'}/${s3.bucket}`,
    () =>
      answering(
        new S3ObjectStore({
          ...s3,
          ...(options.connectTimeoutMs
            ? { connectionTimeoutMs: options.connectTimeoutMs, maxAttempts: 1 }
            : {}),
        }),
        (store) => store.ensureBucket(),
      ),
    logger,
    options.retry,
  );
  return [store, 's3'];
}

/** A client whose first request answered, or its error after closing it again. */
async function answering<T extends { close(): Promise<void> }>(
  client: T,
  check: (c: T) => Promise<unknown>,
): Promise<T> {
  try {
    await check(client);
    return client;
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
}

export async function openBackends(
  config: Config,
  logger: Logger,
  options: OpenBackendsOptions = {},
): Promise<Backends> {
  const retry = options.retry ?? DEFAULT_STARTUP_RETRY;
  const opts = { ...options, retry };
  // In parallel: a slow Cassandra start should not add to Kafka's.
  const settled = await Promise.allSettled([
    openEventLog(config, logger, opts),
    openViewStore(config, logger, opts),
    openObjectStore(config, logger, opts),
  ]);
  const closeOpened = () =>
    Promise.allSettled(settled.map((s) => (s.status === 'fulfilled' ? s.value[0].close() : undefined)));
  const [eventLogResult, viewStoreResult, objectStoreResult] = settled;
  if (
    eventLogResult.status === 'rejected' ||
    viewStoreResult.status === 'rejected' ||
    objectStoreResult.status === 'rejected'
  ) {
    await closeOpened();
    const failures = settled.filter((s) => s.status === 'rejected').map((s) => s.reason as Error);
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, failures.map((f) => f.message).join('; '));
  }
  const [eventLog, eventLogKind] = eventLogResult.value;
  const [viewStore, viewStoreKind] = viewStoreResult.value;
  const [objectStore, objectStoreKind] = objectStoreResult.value;

  try {
    await viewStore.ensureSchema();
    if (options.createTopics ?? true) await eventLog.createTopics(productTopics(config));
  } catch (error) {
    await closeOpened();
    throw error;
  }
  const kinds = { eventLog: eventLogKind, viewStore: viewStoreKind, objectStore: objectStoreKind };
  logger.info({ ...kinds, lake: objectStore.locate('') }, 'backends ready');
  return {
    eventLog,
    viewStore,
    objectStore,
    kinds,
    async close() {
      await Promise.allSettled([eventLog.close(), viewStore.close(), objectStore.close()]);
    },
  };
}
