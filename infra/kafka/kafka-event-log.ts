/**
 * The event-log port on real Kafka, with @platformatic/kafka 2.x (chosen by measurement, see
 * bench/RESULTS.md "Kafka clients").
 *
 * Producing: one idempotent producer (acks=all), so the client's own retries of a batch are not
 * stored twice; a produce that fails and is retried by the caller can be (at-least-once). One send
 * is in flight at a time (see produce). Partitions are chosen here with Kafka's own murmur2
 * partitioner (partitioner.ts) so a key lands on the same partition as with the Java client and
 * the embedded log, and each message's offset is computed from the partition's base offset in the
 * produce response.
 *
 * Consuming: see KafkaLogConsumer. Auto-commit is off: only `commit` moves the group's offsets,
 * and only for partitions the member owns.
 *
 * Failures: every operation that does not complete rejects with a retryable
 * BackendUnavailableError (caller errors such as a bad argument are passed through). A consumer
 * whose broker went away reports it once from `poll`, then rejoins with a new client on the next
 * poll; that poll can outlast `maxWaitMs` by up to the session timeout (10 s), the time the group
 * waits for the lost member. Known limit: a commit the broker refuses because the group moved on
 * is retried by the client after it rejoins; we answer CommitRefusedError at once, but that retry
 * can still land and move a partition's offset, which re-delivers or skips only what this member
 * had already handled, so nothing is lost.
 */
import {
  Admin,
  Consumer,
  type GroupPartitionsAssigner,
  type Message,
  type MessagesStream,
  Producer,
} from '@platformatic/kafka';
import type { Logger } from '../logger.js';
import { BackendUnavailableError, messageOf, sleep } from '../retry.js';
import {
  CommitRefusedError,
  type ConsumerOptions,
  type EventLog,
  EventLogClosedError,
  type LogConsumer,
  type LogMessage,
  type OutgoingMessage,
  type PollOptions,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicSpec,
  topicPartitionKey,
} from './event-log.js';
import { explicitPartition, partitionForKey } from './partitioner.js';

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
  /** The send in flight: sends go one at a time (see produce). */
  private sending: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: KafkaEventLogOptions) {
    this.options = { ...DEFAULTS, ...options };
    const base = this.baseOptions('admin');
    this.admin = new Admin(base);
    this.producer = new Producer({
      ...this.baseOptions('producer'),
      // An idempotent producer given 0 or 1 retries (or none) silently retries forever: 1.35 and
      // 2.12 alike turn them into Number.MAX_SAFE_INTEGER, so a produce to a lost broker would hang.
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
    // Partition each message here: as asked, Java-compatible for keys, round-robin for null keys.
    const assigned = messages.map((m) => {
      if (m.partition !== undefined) return explicitPartition(topic, m.partition, partitions);
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
    // One send in flight per producer: with 1.35, concurrent sends to one partition were all
    // acknowledged with one offset and only one stored (platformatic/kafka #326, fixed in 2.x,
    // whose sends take their sequence numbers when they start). Kept on 2.x because the contract
    // test shows 2.12 also passes without it but a failed concurrent send resets the sequences of
    // the others; our producers keep one batch in flight anyway, so this costs them nothing.
    const send = this.sending.then(() =>
      this.producer.send({
        messages: messages.map((m, i) => ({
          topic,
          partition: assigned[i] as number,
          key: m.key === null ? undefined : Buffer.from(m.key),
          value:
            typeof m.value === 'string'
              ? Buffer.from(m.value)
              : Buffer.from(m.value.buffer, m.value.byteOffset, m.value.byteLength),
          // With the no-op serializers header keys must be Buffers too, hence a Map (still on
          // 2.12: a string key fails the whole send).
          headers: new Map(Object.entries(m.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
          timestamp: BigInt(m.timestamp ?? Date.now()),
        })),
      }),
    );
    this.sending = send.catch(() => undefined);
    try {
      result = await send;
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

  /** Resolves once the member has its first assignment and its onAssigned has returned. */
  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    this.assertOpen();
    if (options.assignment === 'co-partitioned') await this.assertCoPartitioned(options.topics);
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

  private async assertCoPartitioned(topics: string[]): Promise<void> {
    let counts: number[];
    try {
      // A copy: the client sorts the array it is given in place.
      const metadata = await this.admin.metadata({ topics: [...topics], forceUpdate: true });
      counts = topics.map((topic) => metadata.topics.get(topic)?.partitionsCount ?? 0);
    } catch (error) {
      throw unavailable(`metadata of ${topics.join(', ')}`, error);
    }
    if (new Set(counts).size > 1) {
      const named = topics.map((topic, i) => `${topic} (${counts[i]})`).join(', ');
      throw new Error(`co-partitioned topics need equal partition counts: ${named}`);
    }
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
    if (this.closed) throw new EventLogClosedError('event log');
  }
}

type Stream = MessagesStream<Buffer, Buffer, Buffer, Buffer>;

/** Commit errors meaning the group moved on without this member's generation: the commit is refused. */
const REFUSED_COMMIT = [
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'REBALANCE_IN_PROGRESS',
  'FENCED_INSTANCE_ID',
];

function isRefusedCommit(error: unknown): boolean {
  const e = error as { findBy?: (p: string, v: unknown) => unknown };
  return REFUSED_COMMIT.some((apiId) => Boolean(e?.findBy?.('apiId', apiId)));
}

/**
 * Partition N of every subscribed topic to one member: members sorted by id, partition N of each
 * topic to the N-th (modulo the count) of those subscribed to it. The client's default assigner
 * deals partitions out round-robin across topics, which splits partition N of two topics.
 */
export const coPartitionedAssigner: GroupPartitionsAssigner = (_current, members, topics, metadata) => {
  const result = [...members.keys()].sort().map((memberId) => ({
    memberId,
    assignments: new Map<string, { topic: string; partitions: number[] }>(),
  }));
  for (const topic of [...topics].sort()) {
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const candidates = result.filter((r) => members.get(r.memberId)?.topics?.includes(topic));
    for (let partition = 0; partition < count; partition++) {
      const owner = candidates[partition % candidates.length];
      if (!owner) continue;
      const assigned = owner.assignments.get(topic) ?? { topic, partitions: [] };
      assigned.partitions.push(partition);
      owner.assignments.set(topic, assigned);
    }
  }
  return result;
};

/** A commit waiting on the broker; settled early as refused when a rebalance begins. */
interface PendingCommit {
  partitions: TopicPartition[];
  refuse: (error: Error) => void;
}

/**
 * One group member. The client joins the group with the classic eager protocol; we hook it twice:
 * `protocolsMetadata`, which the client awaits before every JoinGroup request, runs onRevoked while
 * the member still owns its partitions (the group waits for it, in PreparingRebalance, where Kafka
 * accepts its commits); `consumer:group:join`, after SyncGroup, reads the new partitions' committed
 * offsets, runs onAssigned and only then opens a message stream from those offsets. The stream is
 * in manual mode and replaced on every assignment and seek, so no message fetched for an earlier
 * owner or position is ever handed out.
 */
class KafkaLogConsumer implements LogConsumer {
  private client: Consumer;
  private stream: Stream | undefined;
  /** Owned partitions and, for each, the offset of the next message to hand out. */
  private positions = new Map<string, TopicPartitionOffset>();
  /** Rebalance work (callbacks, stream replacement), one step after another. */
  private rebalancing: Promise<void> = Promise.resolve();
  /** Callbacks running: poll hands out nothing meanwhile. */
  private callbacks = 0;
  /** Set by seek: the stream must be reopened at the new positions before the next take. */
  private streamStale = false;
  private readonly pendingCommits = new Set<PendingCommit>();
  /** Partitions owned when the client failed: revoked (as lost) before rejoining. */
  private lost: TopicPartition[] = [];
  private failure: Error | undefined;
  private listenerFailure: unknown;
  private wake: (() => void) | undefined;
  private joined = false;
  private closed = false;
  private left = false;

  constructor(
    private readonly logOptions: KafkaEventLog['options'],
    private readonly base: ReturnType<KafkaEventLog['baseOptions']>,
    private readonly options: ConsumerOptions,
    private readonly onClose: () => void,
  ) {
    this.client = this.createClient();
  }

  private createClient(): Consumer {
    const coPartitioned = this.options.assignment === 'co-partitioned';
    const client: Consumer = new Consumer({
      ...this.base,
      groupId: this.options.groupId,
      autocommit: false,
      sessionTimeout: this.logOptions.sessionTimeoutMs,
      rebalanceTimeout: Math.max(this.logOptions.sessionTimeoutMs, 15_000),
      heartbeatInterval: this.logOptions.heartbeatIntervalMs,
      // Fetch long-polls no longer than this: it bounds how late `close` and rebalances are.
      maxWaitTime: 500,
      highWaterMark: this.logOptions.consumerBuffer,
      // Its own protocol name: Kafka refuses (INCONSISTENT_GROUP_PROTOCOL) a group that mixes
      // co-partitioned and round-robin members, whose assignments could overlap.
      ...(coPartitioned
        ? { protocols: [{ name: 'co-partitioned', version: 1 }], partitionAssigner: coPartitionedAssigner }
        : {}),
      protocolsMetadata: () => this.beforeJoin(client).then(() => Buffer.alloc(0)),
    });
    client.on('error', (error: unknown) => {
      if (client === this.client) this.fail(error);
    });
    client.on('consumer:group:join', (event: { assignments?: { topic: string; partitions: number[] }[] }) => {
      if (client !== this.client) return;
      const partitions = (event.assignments ?? []).flatMap((a) =>
        a.partitions.map((partition) => ({ topic: a.topic, partition })),
      );
      this.enqueue(() => this.afterJoin(client, partitions));
    });
    return client;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.rebalancing.then(step).catch((error: unknown) => this.fail(error));
    this.rebalancing = run;
    return run;
  }

  /** Joins the group; resolves once the first assignment is made and its onAssigned has returned. */
  async start(): Promise<void> {
    const client = this.client;
    // Our own reference to the topics: the client drops a topic from its subscription when its
    // last stream closes, and we close streams on every assignment.
    client.topics.trackAll(...this.options.topics);
    await client.joinGroup({});
    this.joined = true;
    await this.rebalancing;
  }

  /** Before every JoinGroup: eager protocol, so everything owned is given up, after onRevoked. */
  private beforeJoin(client: Consumer): Promise<void> {
    if (client !== this.client) return Promise.resolve();
    // A commit in flight now would wait for this join (the client rejoins and retries a commit
    // the group refused) while onRevoked may wait for it: answer it as refused instead.
    for (const pending of this.pendingCommits)
      pending.refuse(new CommitRefusedError(pending.partitions, { cause: 'the group is rebalancing' }));
    this.pendingCommits.clear();
    return this.enqueue(() => this.revoke());
  }

  private async revoke(): Promise<void> {
    const owned = this.assignment();
    if (owned.length === 0) return;
    this.dropStream();
    await this.callListener(() => this.options.rebalance?.onRevoked?.(owned));
    this.positions = new Map();
  }

  private async afterJoin(client: Consumer, partitions: TopicPartition[]): Promise<void> {
    if (client !== this.client || this.closed) return;
    // Normally revoked before the join; a join we were not asked about revokes here, late.
    await this.revoke();
    this.callbacks++;
    try {
      const starts = await this.startOffsets(partitions);
      if (client !== this.client || this.closed) return;
      this.positions = new Map(
        partitions.map(({ topic, partition }, i) => [
          topicPartitionKey(topic, partition),
          { topic, partition, offset: starts[i] as number },
        ]),
      );
    } finally {
      this.callbacks--;
    }
    await this.callListener(() => this.options.rebalance?.onAssigned?.(partitions));
    await this.openStream();
  }

  /** Per partition, the committed offset, else the earliest or latest one. */
  private async startOffsets(partitions: TopicPartition[]): Promise<number[]> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const topics = [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
    if (topics.length === 0) return [];
    const committed = await this.client.listCommittedOffsets({ topics });
    const missing = partitions.filter((p) => (committed.get(p.topic)?.[p.partition] ?? -1n) < 0n);
    let fallback = new Map<string, bigint[]>();
    if (missing.length > 0) {
      const names = [...new Set(missing.map((p) => p.topic))];
      fallback = await this.client.listOffsets({
        topics: names,
        timestamp: this.options.fromBeginning ? -2n : -1n,
      });
    }
    return partitions.map(({ topic, partition }) => {
      const offset = committed.get(topic)?.[partition] ?? -1n;
      return Number(offset >= 0n ? offset : (fallback.get(topic)?.[partition] ?? 0n));
    });
  }

  private async callListener(call: () => Promise<void> | void): Promise<void> {
    this.callbacks++;
    try {
      await call();
    } catch (error) {
      this.listenerFailure ??= error;
    } finally {
      this.callbacks--;
      this.notify();
    }
  }

  private async openStream(): Promise<void> {
    this.dropStream();
    this.streamStale = false;
    const client = this.client;
    const offsets = [...this.positions.values()].map(({ topic, partition, offset }) => ({
      topic,
      partition,
      offset: BigInt(offset),
    }));
    // Nothing owned (more members than partitions), or the membership is being renewed: the next
    // assignment opens the stream. A consume without a member id would join the group itself.
    if (offsets.length === 0 || client.memberId === null || this.closed) return;
    const stream = (await client.consume({
      topics: [...this.options.topics],
      mode: 'manual',
      offsets,
      // A position deleted by retention moves to the earliest or latest offset, as Kafka's
      // auto.offset.reset.
      fallbackMode: this.options.fromBeginning ? 'earliest' : 'latest',
      autocommit: false,
    })) as Stream;
    if (client !== this.client || this.closed || this.stream) {
      stream.destroy();
      return;
    }
    this.stream = stream;
    // A stream torn down after a failure may still report; only the current one counts.
    stream.on('error', (error) => {
      if (stream === this.stream) this.fail(error);
    });
    // Paused mode: a 'readable' listener lets the stream fetch until its buffer is full.
    stream.on('readable', () => this.notify());
    stream.on('end', () => this.notify());
    this.notify();
  }

  private dropStream(): void {
    const stream = this.stream;
    this.stream = undefined;
    if (!stream) return;
    stream.removeAllListeners('readable');
    stream.removeAllListeners('error');
    stream.on('error', () => undefined);
    stream.destroy();
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

  assignment(): TopicPartition[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async poll(options: PollOptions = {}): Promise<LogMessage[]> {
    const max = options.maxMessages ?? 500;
    const deadline = Date.now() + (options.maxWaitMs ?? 1000);
    // One turn of the event loop per poll. A caller that finds data buffered at every poll and
    // computes on it synchronously would otherwise run from one socket event to the next without
    // the timers phase: the client's heartbeat timer did not fire for over 10 s, the broker
    // expired the session, and the group rebalanced a lone member, re-delivering everything it
    // had not committed.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (;;) {
      if (this.closed) throw new EventLogClosedError('consumer');
      if (this.listenerFailure !== undefined) {
        const failure = this.listenerFailure;
        this.listenerFailure = undefined;
        throw failure;
      }
      if (this.failure) this.reportFailure();
      if (!this.joined) await this.rejoin();
      if (this.streamStale && this.callbacks === 0) await this.enqueue(() => this.openStream());
      const batch = this.callbacks > 0 ? [] : this.take(max, options.maxBytes ?? Number.POSITIVE_INFINITY);
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
   * the next poll revokes what was owned (commits are refused by then: the partitions may already
   * be another member's), joins again with a new client and reads on from the committed offsets,
   * so nothing uncommitted is skipped. A new client rather than a new stream, because a 1.35
   * client that lived through a broker restart kept a stale group state and fetched nothing; kept
   * on 2.x, where test/integration/failover.test.ts is what shows the recovery.
   */
  private reportFailure(): never {
    const failure = this.failure as Error;
    this.failure = undefined;
    this.joined = false;
    this.dropStream();
    this.lost = [...this.lost, ...this.assignment()];
    this.positions = new Map();
    this.streamStale = false;
    const stale = this.client;
    const close = stale.close.bind(stale) as (force?: boolean) => Promise<void>;
    void close(true).catch(() => undefined);
    this.client = this.createClient();
    this.rebalancing = Promise.resolve();
    throw failure;
  }

  private async rejoin(): Promise<void> {
    const lost = this.lost;
    this.lost = [];
    if (lost.length > 0) await this.callListener(() => this.options.rebalance?.onRevoked?.(lost));
    try {
      await this.start();
    } catch (error) {
      this.failure = unavailable('rejoin consumer group', error);
      this.reportFailure();
    }
  }

  private take(max: number, maxBytes: number): LogMessage[] {
    const stream = this.stream;
    const batch: LogMessage[] = [];
    if (!stream || this.streamStale) return batch;
    let bytes = 0;
    while (batch.length < max && bytes < maxBytes) {
      const message = stream.read() as Message<Buffer, Buffer, Buffer, Buffer> | null;
      if (message === null) break;
      const position = this.positions.get(topicPartitionKey(message.topic, message.partition));
      const offset = Number(message.offset);
      // The stream opened at our positions; an offset past it is a gap (retention, a jump to
      // the earliest or latest offset), never a message we skip.
      if (!position || offset < position.offset) continue;
      position.offset = offset + 1;
      const m = toLogMessage(message);
      bytes += m.value.length;
      batch.push(m);
    }
    return batch;
  }

  async seek({ topic, partition, offset }: TopicPartitionOffset): Promise<void> {
    if (this.closed) throw new EventLogClosedError('consumer');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid offset ${offset}`);
    const position = this.positions.get(topicPartitionKey(topic, partition));
    if (!position) throw new Error(`seek: this member does not own ${topic}/${partition}`);
    position.offset = offset;
    // Reopened by the next poll (or after onAssigned, if called from it): several seeks, one stream.
    this.streamStale = true;
    this.dropStream();
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    // Not `closed`: the onRevoked that close() awaits may still commit.
    if (this.left) throw new EventLogClosedError('consumer');
    for (const { offset } of offsets)
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid offset ${offset}`);
    if (offsets.length === 0) return;
    // A partition that moved to another member (or was dropped after a failure) is its new
    // owner's to commit: committing it here could move that owner's offset backwards.
    const foreign = offsets.filter((o) => !this.positions.has(topicPartitionKey(o.topic, o.partition)));
    if (foreign.length > 0) throw new CommitRefusedError(foreign);
    const partitions = offsets.map(({ topic, partition }) => ({ topic, partition }));
    await new Promise<void>((resolve, reject) => {
      const pending: PendingCommit = { partitions, refuse: reject };
      this.pendingCommits.add(pending);
      this.client
        .commit({
          offsets: offsets.map((o) => ({
            topic: o.topic,
            partition: o.partition,
            offset: BigInt(o.offset),
            leaderEpoch: -1,
          })),
        })
        .then(
          () => resolve(),
          (error: unknown) =>
            reject(
              isRefusedCommit(error)
                ? new CommitRefusedError(partitions, { cause: error })
                : unavailable(`commit offsets of ${this.options.groupId}`, error),
            ),
        )
        .finally(() => this.pendingCommits.delete(pending));
    });
  }

  /** Revokes this member's partitions (awaiting onRevoked, which may still commit), then leaves. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    this.onClose();
    await this.rebalancing;
    const owned = this.assignment();
    this.dropStream();
    if (owned.length > 0 && this.joined)
      await this.callListener(() => this.options.rebalance?.onRevoked?.(owned));
    this.positions = new Map();
    this.left = true;
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
