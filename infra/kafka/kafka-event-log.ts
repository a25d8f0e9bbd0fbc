/**
 * The event-log port on real Kafka, with @platformatic/kafka (chosen by measurement, see
 * bench/RESULTS.md "Kafka clients").
 *
 * Producing: one idempotent producer (acks=all, so a retried send never duplicates), partitions
 * chosen here with Kafka's own murmur2 partitioner (partitioner.ts) so a key lands on the same
 * partition as with the Java client and the embedded log, and each message's offset computed from
 * the partition's base offset in the produce response.
 *
 * Consuming: the client pushes into a Node Readable; `poll` reads from it in paused mode, so the
 * stream's own buffer (highWaterMark messages) is the bounded queue and fetching stops while the
 * caller is busy. Auto-commit is off: only `commit` moves the group's offsets. On a rebalance the
 * stream re-reads from the committed offsets; we keep our position for partitions we still own
 * and drop what we already handed out, and drop buffered messages of partitions we lost, so a
 * rebalance neither loses nor repeats the caller's progress (except uncommitted messages of a
 * partition that moved, which the new owner re-reads: at-least-once).
 *
 * Failures: every operation that does not complete rejects with a retryable
 * BackendUnavailableError (caller errors such as a bad argument are passed through). A consumer
 * whose broker went away reports it once from `poll`, then rejoins with a new client on the next
 * poll; that poll can outlast `maxWaitMs` by up to the session timeout (10 s), the time the group
 * waits for the lost member. Known limit: when a commit meets a rebalance, the client rejoins and
 * retries it; a partition that moved in that instant may get our (older) offset, which re-delivers
 * rather than loses.
 */
import { Admin, Consumer, type Message, type MessagesStream, Producer } from '@platformatic/kafka';
import type { Logger } from '../logger.js';
import { BackendUnavailableError, messageOf, sleep } from '../retry.js';
import type {
  ConsumerOptions,
  EventLog,
  LogConsumer,
  LogMessage,
  OutgoingMessage,
  PollOptions,
  TopicPartition,
  TopicPartitionOffset,
  TopicSpec,
} from './event-log.js';
import { partitionForKey } from './partitioner.js';

export type KafkaCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface KafkaEventLogOptions {
  brokers: string[];
  clientId: string;
  /** Producer batch compression; the topics keep whatever the producer sends (`producer`). */
  compression?: KafkaCompression;
  /** Replication factor of created topics; -1 takes the broker's `default.replication.factor`. */
  replicationFactor?: number;
  /** Per-request timeout and retries of the client, for requests after start-up. */
  requestTimeoutMs?: number;
  retries?: number;
  retryDelayMs?: number;
  /** Messages buffered per consumer before fetching pauses. */
  consumerBuffer?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  logger?: Logger;
}

const DEFAULTS = {
  compression: 'lz4',
  replicationFactor: -1,
  requestTimeoutMs: 10_000,
  retries: 3,
  retryDelayMs: 500,
  consumerBuffer: 2048,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1000,
} as const;

const tpId = (topic: string, partition: number) => `${topic}:${partition}`;

/** Errors of the request itself (bad arguments, serialization): retrying cannot help. */
function isCallerError(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  if (error instanceof TypeError || error instanceof RangeError) return true;
  if ((error as { code?: unknown }).code === 'PLT_KFK_USER') return true;
  const nested = (error as { errors?: unknown[] }).errors;
  return Array.isArray(nested) && nested.length > 0 && nested.every((e) => isCallerError(e, depth + 1));
}

/**
 * Wraps a client failure so the caller sees what failed and that it may retry: everything but a
 * caller error counts as the broker being unavailable (connection refused, timeouts, leader
 * moves), so nothing is dropped silently.
 */
function unavailable(operation: string, error: unknown): Error {
  if (error instanceof BackendUnavailableError) return error;
  if (isCallerError(error)) return error as Error;
  return new BackendUnavailableError('kafka', operation, { cause: error });
}

function isTopicExists(error: unknown): boolean {
  const e = error as { findBy?: (p: string, v: unknown) => unknown; message?: string };
  return Boolean(e?.findBy?.('apiId', 'TOPIC_ALREADY_EXISTS')) || /already exists/i.test(String(e?.message));
}

export class KafkaEventLog implements EventLog {
  private readonly options: Required<Omit<KafkaEventLogOptions, 'logger'>> & { logger?: Logger };
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumers = new Set<KafkaLogConsumer>();
  private readonly roundRobin = new Map<string, number>();
  private closed = false;

  constructor(options: KafkaEventLogOptions) {
    this.options = { ...DEFAULTS, ...options };
    const base = this.baseOptions('admin');
    this.admin = new Admin(base);
    this.producer = new Producer({
      ...this.baseOptions('producer'),
      // An idempotent producer given 0 or 1 retries silently retries forever (1.35 turns them
      // into Number.MAX_SAFE_INTEGER): a produce to a lost broker would hang instead of failing.
      retries: Math.max(2, this.options.retries),
      idempotent: true,
      acks: -1,
      compression: this.options.compression,
    });
    // An EventEmitter 'error' without a listener would crash the process; errors reach the caller
    // through the rejected promises instead.
    for (const client of [this.admin, this.producer]) {
      client.on('error', (error: unknown) =>
        this.options.logger?.debug({ err: messageOf(error) }, 'kafka client error'),
      );
    }
  }

  /** @internal */
  baseOptions(role: string) {
    return {
      clientId: `${this.options.clientId}-${role}`,
      bootstrapBrokers: this.options.brokers,
      timeout: this.options.requestTimeoutMs,
      connectTimeout: Math.min(5000, this.options.requestTimeoutMs),
      retries: this.options.retries,
      retryDelay: this.options.retryDelayMs,
    };
  }

  /** One metadata round trip: proves the broker answers (used by the start-up probe). */
  async ping(): Promise<void> {
    await this.admin.listTopics();
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    this.assertOpen();
    let existing: Set<string>;
    try {
      existing = new Set(await this.admin.listTopics());
    } catch (error) {
      throw unavailable('list topics', error);
    }
    for (const spec of topics) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new Error(`topic ${spec.name}: partitions must be a positive integer`);
      }
      if (existing.has(spec.name)) continue;
      const configs = [
        { name: 'compression.type', value: 'producer' },
        // Retention counts from the record timestamp: the broker's arrival time keeps a replay of
        // old events (whose event time is in the payload) from being deleted on arrival.
        { name: 'message.timestamp.type', value: 'LogAppendTime' },
      ];
      if (spec.retentionMs !== undefined)
        configs.push({ name: 'retention.ms', value: String(spec.retentionMs) });
      try {
        await this.admin.createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: this.options.replicationFactor,
          configs,
        });
        this.options.logger?.info(
          { topic: spec.name, partitions: spec.partitions, retentionMs: spec.retentionMs },
          'topic created',
        );
      } catch (error) {
        // Another process may have created it between our list and our create.
        if (!isTopicExists(error)) throw unavailable(`create topic ${spec.name}`, error);
      }
    }
    if (topics.length > 0) await this.waitForTopics(topics.map((t) => t.name));
  }

  /** Topic creation is asynchronous in KRaft: wait until every partition has a leader. */
  private async waitForTopics(names: string[]): Promise<void> {
    const deadline = Date.now() + this.options.requestTimeoutMs;
    for (;;) {
      try {
        const metadata = await this.admin.metadata({ topics: names, forceUpdate: true });
        const ready = names.every((name) => {
          const topic = metadata.topics.get(name);
          return topic?.partitions.every((p) => p !== undefined && p.leader >= 0) === true;
        });
        if (ready) return;
      } catch (error) {
        if (Date.now() > deadline) throw unavailable('wait for topic metadata', error);
      }
      if (Date.now() > deadline)
        throw new BackendUnavailableError('kafka', `topics ${names.join(', ')} have no leader yet`, {
          cause: undefined,
        });
      await sleep(100);
    }
  }

  private async partitionCount(topic: string): Promise<number> {
    const metadata = await this.producer.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount;
    if (!count) throw new Error(`kafka: topic ${topic} does not exist`);
    return count;
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    if (messages.length === 0) return [];
    let partitions: number;
    try {
      partitions = await this.partitionCount(topic);
    } catch (error) {
      throw unavailable(`metadata of ${topic}`, error);
    }
    // Partition each message here: Java-compatible for keys, round-robin for null keys.
    const assigned = messages.map((m) => {
      if (m.key !== null) return partitionForKey(m.key, partitions);
      const next = this.roundRobin.get(topic) ?? 0;
      this.roundRobin.set(topic, next + 1);
      return next % partitions;
    });
    // Rank of each message within its partition: its offset is the batch's base offset plus it.
    const seen = new Map<number, number>();
    const ranks = assigned.map((p) => {
      const rank = seen.get(p) ?? 0;
      seen.set(p, rank + 1);
      return rank;
    });
    let result: Awaited<ReturnType<Producer['send']>>;
    try {
      result = await this.producer.send({
        messages: messages.map((m, i) => ({
          topic,
          partition: assigned[i] as number,
          key: m.key === null ? undefined : Buffer.from(m.key),
          value:
            typeof m.value === 'string'
              ? Buffer.from(m.value)
              : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
          // With the no-op serializers header keys must be Buffers too, hence a Map.
          headers: new Map(Object.entries(m.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
          timestamp: BigInt(m.timestamp ?? Date.now()),
        })),
      });
    } catch (error) {
      throw unavailable(`produce to ${topic}`, error);
    }
    const base = new Map<number, bigint>();
    for (const o of result.offsets ?? []) if (o.topic === topic) base.set(o.partition, o.offset);
    return assigned.map((partition, i) => {
      const first = base.get(partition);
      if (first === undefined) throw new Error(`kafka: no offset returned for ${topic}/${partition}`);
      return { topic, partition, offset: Number(first) + (ranks[i] as number) };
    });
  }

  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    this.assertOpen();
    const consumer = new KafkaLogConsumer(
      this.options,
      this.baseOptions(`consumer-${options.groupId}`),
      options,
      () => this.consumers.delete(consumer),
    );
    this.consumers.add(consumer);
    try {
      await consumer.start();
    } catch (error) {
      await consumer.close().catch(() => undefined);
      throw unavailable(`join group ${options.groupId}`, error);
    }
    return consumer;
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    try {
      const groups = await this.admin.listConsumerGroupOffsets({ groups: [groupId] });
      for (const group of groups) {
        for (const t of group.topics) {
          if (t.name !== topic) continue;
          for (const p of t.partitions)
            if (p.committedOffset >= 0n) result.set(p.partitionIndex, Number(p.committedOffset));
        }
      }
    } catch (error) {
      throw unavailable(`committed offsets of ${groupId}`, error);
    }
    return result;
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    try {
      const metadata = await this.admin.metadata({ topics: [topic] });
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      if (count === 0) return result;
      const listed = await this.admin.listOffsets({
        topics: [
          {
            name: topic,
            partitions: Array.from({ length: count }, (_, p) => ({ partitionIndex: p, timestamp: -1n })),
          },
        ],
      });
      for (const t of listed) for (const p of t.partitions) result.set(p.partitionIndex, Number(p.offset));
    } catch (error) {
      throw unavailable(`end offsets of ${topic}`, error);
    }
    return result;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.consumers].map((c) => c.close()));
    await Promise.allSettled([this.producer.close(), this.admin.close()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event log is closed');
  }
}

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

class KafkaLogConsumer implements LogConsumer {
  private client: Consumer;
  private stream: Stream | undefined;
  /** Per owned partition, the offset of the next message to hand out. */
  private positions = new Map<string, number>();
  private owned = new Set<string>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly logOptions: KafkaEventLog['options'],
    private readonly base: ReturnType<KafkaEventLog['baseOptions']>,
    private readonly options: ConsumerOptions,
    private readonly onClose: () => void,
  ) {
    this.client = this.createClient();
  }

  private createClient(): Consumer {
    const client = new Consumer({
      ...this.base,
      groupId: this.options.groupId,
      autocommit: false,
      sessionTimeout: this.logOptions.sessionTimeoutMs,
      rebalanceTimeout: Math.max(this.logOptions.sessionTimeoutMs, 15_000),
      heartbeatInterval: this.logOptions.heartbeatIntervalMs,
      // Fetch long-polls no longer than this: it bounds how late `close` and rebalances are.
      maxWaitTime: 500,
      highWaterMark: this.logOptions.consumerBuffer,
    });
    client.on('error', (error: unknown) => {
      if (client === this.client) this.fail(error);
    });
    client.on('consumer:group:join', () => {
      if (client === this.client) this.onAssignment();
    });
    return client;
  }

  async start(): Promise<void> {
    const stream = (await this.client.consume({
      topics: this.options.topics,
      mode: 'committed',
      fallbackMode: this.options.fromBeginning ? 'earliest' : 'latest',
      autocommit: false,
    })) as Stream;
    this.stream = stream;
    this.onAssignment();
    // A stream torn down after a failure may still report; only the current one counts.
    stream.on('error', (error) => {
      if (stream === this.stream) this.fail(error);
    });
    // Paused mode: a 'readable' listener lets the stream fetch until its buffer is full.
    stream.on('readable', () => this.notify());
    stream.on('end', () => this.notify());
  }

  private fail(error: unknown): void {
    if (this.closed) return;
    this.failure ??= unavailable(`consume ${this.options.topics.join(',')}`, error);
    this.logOptions.logger?.warn(
      { group: this.options.groupId, err: messageOf(error) },
      'kafka consumer failed',
    );
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** A new generation: forget positions of partitions we no longer own. */
  private onAssignment(): void {
    const owned = new Set<string>();
    for (const a of this.client.assignments ?? []) for (const p of a.partitions) owned.add(tpId(a.topic, p));
    for (const id of this.positions.keys()) if (!owned.has(id)) this.positions.delete(id);
    this.owned = owned;
  }

  assignment(): TopicPartition[] {
    return (this.client.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition })),
    );
  }

  async poll(options: PollOptions = {}): Promise<LogMessage[]> {
    const max = options.maxMessages ?? 500;
    const deadline = Date.now() + (options.maxWaitMs ?? 1000);
    for (;;) {
      if (this.closed) return [];
      if (this.failure) this.reportFailure();
      if (!this.stream) await this.rejoin();
      const batch = this.take(max);
      if (batch.length > 0) return batch;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
    }
  }

  /**
   * After a failure (broker lost, group error): tear the client down and report the failure once;
   * the next poll joins again with a new client and reads on from the committed offsets, so
   * nothing uncommitted is skipped. A client that lived through a broker restart can keep a stale
   * group state and fetch nothing (seen with 1.35), hence a new client rather than a new stream.
   */
  private reportFailure(): never {
    const failure = this.failure as Error;
    this.failure = undefined;
    const old = this.stream;
    this.stream = undefined;
    this.positions.clear();
    this.owned.clear();
    if (old) {
      old.removeAllListeners('readable');
      old.destroy();
    }
    const stale = this.client;
    const close = stale.close.bind(stale) as (force?: boolean) => Promise<void>;
    void close(true).catch(() => undefined);
    this.client = this.createClient();
    throw failure;
  }

  private async rejoin(): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      this.failure = unavailable('rejoin consumer group', error);
      this.reportFailure();
    }
  }

  private take(max: number): LogMessage[] {
    const stream = this.stream;
    const batch: LogMessage[] = [];
    if (!stream) return batch;
    while (batch.length < max) {
      const message = stream.read() as Message<Buffer, Buffer, Buffer, Buffer> | null;
      if (message === null) break;
      const id = tpId(message.topic, message.partition);
      // Buffered before a rebalance took the partition away: its new owner reads it.
      if (!this.owned.has(id)) continue;
      const offset = Number(message.offset);
      const position = this.positions.get(id);
      // Re-fetched from the committed offset after a rebalance: already handed out.
      if (position !== undefined && offset < position) continue;
      this.positions.set(id, offset + 1);
      batch.push(toLogMessage(message));
    }
    return batch;
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.closed) throw new Error('consumer is closed');
    for (const { offset } of offsets)
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid offset ${offset}`);
    // A partition that moved to another member (or was dropped after a failure) is its new
    // owner's to commit: committing it here could move that owner's offset backwards. Skipping it
    // loses nothing: the new owner re-reads from the last commit (at-least-once).
    const mine = offsets.filter((o) => this.owned.has(tpId(o.topic, o.partition)));
    if (mine.length === 0) return;
    try {
      await this.client.commit({
        offsets: mine.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: BigInt(o.offset),
          leaderEpoch: -1,
        })),
      });
    } catch (error) {
      throw unavailable(`commit offsets of ${this.options.groupId}`, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    this.onClose();
    const stream = this.stream;
    this.stream = undefined;
    if (stream) {
      stream.removeAllListeners('readable');
      await stream.close().catch(() => undefined);
    }
    // Leaving the group lets the others take our partitions now rather than after the session timeout.
    const close = this.client.close.bind(this.client) as (force?: boolean) => Promise<void>;
    await close(true).catch(() => undefined);
  }
}

function toLogMessage(message: Message<Buffer, Buffer, Buffer, Buffer>): LogMessage {
  const headers: Record<string, string> = {};
  for (const [k, v] of message.headers) headers[k.toString()] = v.toString();
  const value = message.value ?? Buffer.alloc(0);
  return {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    key: message.key === undefined || message.key === null ? null : message.key.toString(),
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers,
    timestamp: Number(message.timestamp),
  };
}
