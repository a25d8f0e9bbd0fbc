/**
 * The embedded event log: Kafka's semantics in one process, for `sentiment demo` and fast tests.
 * Topics have partitions, keyed messages hash like Kafka's default partitioner, groups commit
 * offsets and a member that joins resumes from the commit. A member joining or leaving rebalances
 * its group as Kafka's classic eager protocol does: every member's onRevoked is awaited and its
 * partitions dropped, then the new assignment is made (round-robin across topics like the Kafka
 * client's default assignor, or co-partitioned) and every member's onAssigned awaited before it
 * gets messages. A new owner starts from the committed offset, so uncommitted messages are read
 * again (at-least-once).
 */
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

const encoder = new TextEncoder();

/**
 * One partition: messages from `base` on. Retention drops old messages from the front, as a
 * broker deletes old segments; offsets stay absolute, and a reader behind `base` skips to it
 * (Kafka's auto.offset.reset=earliest).
 */
class PartitionLog {
  base = 0;
  messages: LogMessage[] = [];

  constructor(private readonly retentionMs: number) {}

  get end(): number {
    return this.base + this.messages.length;
  }

  append(message: LogMessage, now: number): void {
    this.messages.push(message);
    // Trim in steps rather than per message: retention is coarse on a broker too.
    if (this.retentionMs > 0 && (this.messages.length & 1023) === 0) this.trim(now);
  }

  private trim(now: number): void {
    const cutoff = now - this.retentionMs;
    let drop = 0;
    while (drop < this.messages.length && (this.messages[drop] as LogMessage).timestamp < cutoff) drop++;
    if (drop > 0) {
      this.messages = this.messages.slice(drop);
      this.base += drop;
    }
  }

  /** Up to `max` messages from `from` (or from `base` if `from` was trimmed away). */
  read(from: number, max: number): LogMessage[] {
    const start = Math.max(from, this.base) - this.base;
    return this.messages.slice(start, start + max);
  }
}

interface Group {
  committed: Map<string, number>;
  members: MemoryConsumer[];
  assignment: 'round-robin' | 'co-partitioned';
  /** Rebalances run one after another: the tail of the queue. */
  rebalanced: Promise<void>;
}

export interface MemoryEventLogOptions {
  /** Partitions of a topic created implicitly by produce or subscribe. */
  defaultPartitions?: number;
  /** Default retention of a topic, by message timestamp; 0 keeps everything. */
  retentionMs?: number;
}

export class MemoryEventLog implements EventLog {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  private readonly waiters = new Set<() => void>();
  private roundRobin = 0;
  /** @internal */
  closed = false;
  private readonly defaultPartitions: number;
  private readonly retentionMs: number;

  constructor(options: MemoryEventLogOptions = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 3;
    this.retentionMs = options.retentionMs ?? 0;
  }

  private newPartitions(count: number, retentionMs = this.retentionMs): PartitionLog[] {
    return Array.from({ length: count }, () => new PartitionLog(retentionMs));
  }

  async createTopics(topics: TopicSpec[]): Promise<void> {
    this.assertOpen();
    let created = false;
    for (const spec of topics) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new Error(`topic ${spec.name}: partitions must be a positive integer`);
      }
      if (!this.topics.has(spec.name)) {
        this.topics.set(spec.name, this.newPartitions(spec.partitions, spec.retentionMs));
        created = true;
      }
    }
    if (created) await Promise.all([...this.groups.values()].map((group) => this.rebalance(group)));
  }

  private partitionsOf(topic: string): PartitionLog[] {
    let partitions = this.topics.get(topic);
    if (!partitions) {
      // Like a broker with auto.create.topics.enable: first use creates the topic.
      partitions = this.newPartitions(this.defaultPartitions);
      this.topics.set(topic, partitions);
    }
    return partitions;
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<TopicPartitionOffset[]> {
    this.assertOpen();
    const partitions = this.partitionsOf(topic);
    const positions: TopicPartitionOffset[] = [];
    for (const message of messages) {
      const partition =
        message.partition !== undefined
          ? explicitPartition(topic, message.partition, partitions.length)
          : message.key === null
            ? this.roundRobin++ % partitions.length
            : partitionForKey(message.key, partitions.length);
      const log = partitions[partition] as PartitionLog;
      const offset = log.end;
      log.append(
        {
          topic,
          partition,
          offset,
          key: message.key,
          value:
            typeof message.value === 'string'
              ? encoder.encode(message.value)
              : Uint8Array.from(message.value),
          headers: { ...message.headers },
          timestamp: message.timestamp ?? Date.now(),
        },
        Date.now(),
      );
      positions.push({ topic, partition, offset });
    }
    this.wake();
    return positions;
  }

  /** Resolves once the new member has its first assignment and its onAssigned has returned. */
  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    this.assertOpen();
    const assignment = options.assignment ?? 'round-robin';
    for (const topic of options.topics) this.partitionsOf(topic);
    if (assignment === 'co-partitioned') this.assertCoPartitioned(options.topics);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { committed: new Map(), members: [], assignment, rebalanced: Promise.resolve() };
      this.groups.set(options.groupId, group);
    }
    // Kafka refuses a member whose assignor no other member supports (INCONSISTENT_GROUP_PROTOCOL).
    if (group.members.length > 0 && group.assignment !== assignment) {
      throw new Error(
        `group ${options.groupId} assigns ${group.assignment}; a ${assignment} member cannot join it`,
      );
    }
    group.assignment = assignment;
    const member = new MemoryConsumer(this, group, options);
    group.members.push(member);
    await this.rebalance(group);
    return member;
  }

  private assertCoPartitioned(topics: string[]): void {
    const counts = topics.map((topic) => `${topic} (${this.partitionCount(topic)})`);
    if (new Set(topics.map((topic) => this.partitionCount(topic))).size > 1) {
      throw new Error(`co-partitioned topics need equal partition counts: ${counts.join(', ')}`);
    }
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    const group = this.groups.get(groupId);
    const partitions = this.topics.get(topic)?.length ?? 0;
    for (let p = 0; p < partitions; p++) {
      const offset = group?.committed.get(topicPartitionKey(topic, p));
      if (offset !== undefined) result.set(p, offset);
    }
    return result;
  }

  async endOffsets(topic: string): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    (this.topics.get(topic) ?? []).forEach((log, p) => {
      result.set(p, log.end);
    });
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake();
  }

  /** @internal */
  read(topic: string, partition: number, from: number, max: number): LogMessage[] {
    return this.topics.get(topic)?.[partition]?.read(from, max) ?? [];
  }

  /** @internal Resolves when new messages arrive, a rebalance ends, the log closes, or the time is up. */
  waitForMessages(ms: number): Promise<void> {
    if (this.closed || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** @internal The member's partitions are revoked in the rebalance its leaving starts. */
  leave(group: Group, member: MemoryConsumer): Promise<void> {
    group.members = group.members.filter((m) => m !== member);
    return this.rebalance(group, member);
  }

  /** @internal */
  endOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.end ?? 0;
  }

  /** @internal */
  partitionCount(topic: string): number {
    return this.topics.get(topic)?.length ?? 0;
  }

  /** @internal Wakes polls waiting for messages. */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Queued behind the group's previous rebalance, so callbacks of two rebalances never interleave. */
  private rebalance(group: Group, leaving?: MemoryConsumer): Promise<void> {
    const run = group.rebalanced.then(() => this.runRebalance(group, leaving));
    group.rebalanced = run;
    return run;
  }

  private async runRebalance(group: Group, leaving?: MemoryConsumer): Promise<void> {
    // Eager, as Kafka's classic protocol: everyone gives everything up first...
    const revoking = leaving ? [...group.members, leaving] : group.members;
    await Promise.all(revoking.map((member) => member.revokeAll()));
    const members = group.members.filter((m) => !m.isClosed);
    const owners = new Map<MemoryConsumer, TopicPartition[]>(members.map((m) => [m, []]));
    const subscribed = [...new Set(members.flatMap((m) => m.topics))].sort();
    let next = 0;
    for (const topic of subscribed) {
      const candidates = members.filter((m) => m.topics.includes(topic));
      // Co-partitioned restarts at the first member on every topic, so partition N of each topic
      // lands on the same member; round-robin runs on across topics, like the Kafka client's.
      if (group.assignment === 'co-partitioned') next = 0;
      for (let p = 0; p < this.partitionCount(topic); p++) {
        const owner = candidates[next++ % candidates.length];
        if (owner) owners.get(owner)?.push({ topic, partition: p });
      }
    }
    // ...then each member gets its new set and is told before it sees a message of it.
    await Promise.all([...owners].map(([member, partitions]) => member.assign(partitions)));
    this.wake();
  }

  private assertOpen(): void {
    if (this.closed) throw new EventLogClosedError('event log');
  }
}

class MemoryConsumer implements LogConsumer {
  readonly topics: string[];
  /** Owned partitions and, for each, the offset of the next message to hand out. */
  private positions = new Map<string, TopicPartitionOffset>();
  /** Rebalance callbacks running: poll hands out nothing meanwhile. */
  private callbacks = 0;
  /** A listener's failure, reported by the next poll. */
  private failure: unknown;
  private cursor = 0;
  /** Closing or closed: poll and seek refuse. */
  private closed = false;
  /** Out of the group: commit refuses too. */
  private left = false;

  constructor(
    private readonly log: MemoryEventLog,
    private readonly group: Group,
    private readonly options: ConsumerOptions,
  ) {
    this.topics = [...options.topics];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal */
  async revokeAll(): Promise<void> {
    const owned = this.assignment();
    if (owned.length === 0) return;
    await this.callListener(() => this.options.rebalance?.onRevoked?.(owned));
    this.positions = new Map();
  }

  /** @internal */
  async assign(partitions: TopicPartition[]): Promise<void> {
    const next = new Map<string, TopicPartitionOffset>();
    for (const { topic, partition } of partitions) {
      const committed = this.group.committed.get(topicPartitionKey(topic, partition));
      const start = this.options.fromBeginning ? 0 : this.log.endOffset(topic, partition);
      next.set(topicPartitionKey(topic, partition), { topic, partition, offset: committed ?? start });
    }
    this.positions = next;
    await this.callListener(() => this.options.rebalance?.onAssigned?.(partitions));
  }

  private async callListener(call: () => Promise<void> | void): Promise<void> {
    this.callbacks++;
    try {
      await call();
    } catch (error) {
      this.failure ??= error;
    } finally {
      this.callbacks--;
    }
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async poll(options: PollOptions = {}): Promise<LogMessage[]> {
    const max = options.maxMessages ?? 500;
    const deadline = Date.now() + (options.maxWaitMs ?? 1000);
    for (;;) {
      if (this.closed) throw new EventLogClosedError('consumer');
      if (this.log.closed) throw new EventLogClosedError('event log');
      if (this.failure !== undefined) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
      const batch = this.callbacks > 0 ? [] : this.take(max, options.maxBytes ?? Number.POSITIVE_INFINITY);
      if (batch.length > 0) return batch;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.log.waitForMessages(left);
    }
  }

  /** Fair across partitions: each poll starts at the next partition in turn. */
  private take(max: number, maxBytes: number): LogMessage[] {
    const positions = [...this.positions.values()];
    const batch: LogMessage[] = [];
    let bytes = 0;
    for (let i = 0; i < positions.length && batch.length < max && bytes < maxBytes; i++) {
      const position = positions[(this.cursor + i) % positions.length] as TopicPartitionOffset;
      const messages = this.log.read(position.topic, position.partition, position.offset, max - batch.length);
      for (const m of messages) {
        if (bytes >= maxBytes) break;
        bytes += m.value.length;
        batch.push(m);
        position.offset = m.offset + 1;
      }
    }
    this.cursor++;
    return batch;
  }

  async seek({ topic, partition, offset }: TopicPartitionOffset): Promise<void> {
    if (this.closed) throw new EventLogClosedError('consumer');
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid offset ${offset}`);
    const position = this.positions.get(topicPartitionKey(topic, partition));
    if (!position) throw new Error(`seek: this member does not own ${topic}/${partition}`);
    position.offset = offset;
    this.log.wake();
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    // Not `closed`: the onRevoked that close() awaits may still commit.
    if (this.left) throw new EventLogClosedError('consumer');
    for (const { offset } of offsets)
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid offset ${offset}`);
    const foreign = offsets.filter((o) => !this.positions.has(topicPartitionKey(o.topic, o.partition)));
    if (foreign.length > 0) throw new CommitRefusedError(foreign);
    for (const { topic, partition, offset } of offsets)
      this.group.committed.set(topicPartitionKey(topic, partition), offset);
  }

  /** Revokes this member's partitions (awaiting onRevoked, which may still commit), then leaves. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.wake();
    await this.log.leave(this.group, this);
    this.left = true;
  }
}
