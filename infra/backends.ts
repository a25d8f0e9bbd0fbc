/**
 * Chooses each backend from the config: a real server when its variables are set, else the
 * embedded stand-in. The layers only ever see the ports.
 */
import type { EventLog } from './kafka/event-log.js';
import type { ViewStore } from './cassandra/view-store.js';
import type { ObjectStore } from './lake/object-store.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { MemoryEventLog } from './kafka/memory-event-log.js';
import { MemoryViewStore } from './cassandra/memory-view-store.js';
import { LocalObjectStore } from './lake/local-object-store.js';

export type BackendKind = 'embedded' | 'kafka' | 'cassandra' | 's3';

export interface Backends {
  eventLog: EventLog;
  viewStore: ViewStore;
  objectStore: ObjectStore;
  kinds: { eventLog: BackendKind; viewStore: BackendKind; objectStore: BackendKind };
  close(): Promise<void>;
}

export async function openBackends(config: Config, logger: Logger): Promise<Backends> {
  if (config.kafka || config.cassandra || config.s3) {
    throw new Error('real backends are not available in this build: unset KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS and S3_BUCKET');
  }
  const eventLog = new MemoryEventLog({ defaultPartitions: config.topics.partitions });
  const viewStore = new MemoryViewStore({ defaultTtlSeconds: Math.round(config.speedViewTtlMs / 1000) });
  await viewStore.ensureSchema();
  const objectStore = await LocalObjectStore.open(config.lakeDir);
  logger.info({ eventLog: 'embedded', viewStore: 'embedded', lake: objectStore.locate('') }, 'backends ready');
  return {
    eventLog,
    viewStore,
    objectStore,
    kinds: { eventLog: 'embedded', viewStore: 'embedded', objectStore: 'embedded' },
    async close() {
      await Promise.allSettled([eventLog.close(), viewStore.close(), objectStore.close()]);
    },
  };
}
