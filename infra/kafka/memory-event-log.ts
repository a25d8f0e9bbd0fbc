/**
 * The embedded event log: Kafka's semantics in one process, for `sentiment demo` and fast tests.
 * Topics have partitions, keyed messages hash like Kafka's default partitioner, groups commit
 * offsets and a member that joins resumes from the commit. Partitions are shared among a group's
 * members (round-robin by member order) and reassigned when a member joins or leaves; a new owner
 * starts from the committed offset, so uncommitted messages are read again (at-least-once).
 */
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

const encoder = new TextEncoder();
const partitionId = (topic: string, partition: number) => `${topic}\u0000${partition}`;

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
  private closed = false;
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
    for (const spec of topics) {
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new Error(`topic ${spec.name}: partitions must be a positive integer`);
      }
      if (!this.topics.has(spec.name)) {
        this.topics.set(spec.name, this.newPartitions(spec.partitions, spec.retentionMs));
      }
    }
    for (const group of this.groups.values()) this.rebalance(group);
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
        message.key === null
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

  async consumer(options: ConsumerOptions): Promise<LogConsumer> {
    this.assertOpen();
    for (const topic of options.topics) this.partitionsOf(topic);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = { committed: new Map(), members: [] };
      this.groups.set(options.groupId, group);
    }
    const member = new MemoryConsumer(this, group, options);
    group.members.push(member);
    this.rebalance(group);
    return member;
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    const group = this.groups.get(groupId);
    const partitions = this.topics.get(topic)?.length ?? 0;
    for (let p = 0; p < partitions; p++) {
      const offset = group?.committed.get(partitionId(topic, p));
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

  /** @internal Resolves when new messages arrive, the log closes, or the time is up. */
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

  /** @internal */
  leave(group: Group, member: MemoryConsumer): void {
    group.members = group.members.filter((m) => m !== member);
    this.rebalance(group);
  }

  /** @internal */
  endOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.end ?? 0;
  }

  /** @internal */
  partitionCount(topic: string): number {
    return this.topics.get(topic)?.length ?? 0;
  }

  private rebalance(group: Group): void {
    const subscribed = new Set(group.members.flatMap((m) => m.topics));
    const owners = new Map<MemoryConsumer, TopicPartition[]>(group.members.map((m) => [m, []]));
    for (const topic of [...subscribed].sort()) {
      const candidates = group.members.filter((m) => m.topics.includes(topic));
      for (let p = 0; p < this.partitionCount(topic); p++) {
        const owner = candidates[p % candidates.length];
        if (owner) owners.get(owner)?.push({ topic, partition: p });
      }
    }
    for (const [member, partitions] of owners) member.assign(partitions);
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event log is closed');
  }
}

class MemoryConsumer implements LogConsumer {
  readonly topics: string[];
  private positions = new Map<string, TopicPartitionOffset>();
  private cursor = 0;
  private closed = false;

  constructor(
    private readonly log: MemoryEventLog,
    private readonly group: Group,
    private readonly options: ConsumerOptions,
  ) {
    this.topics = [...options.topics];
  }

  assign(partitions: TopicPartition[]): void {
    const next = new Map<string, TopicPartitionOffset>();
    for (const { topic, partition } of partitions) {
      const id = partitionId(topic, partition);
      const kept = this.positions.get(id);
      const committed = this.group.committed.get(id);
      const start = this.options.fromBeginning ? 0 : this.log.endOffset(topic, partition);
      next.set(id, kept ?? { topic, partition, offset: committed ?? start });
    }
    this.positions = next;
  }

  assignment(): TopicPartition[] {
    return [...this.positions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  async poll(options: PollOptions = {}): Promise<LogMessage[]> {
    const max = options.maxMessages ?? 500;
    const deadline = Date.now() + (options.maxWaitMs ?? 1000);
    for (;;) {
      if (this.closed) return [];
      const batch = this.take(max);
      if (batch.length > 0) return batch;
      const left = deadline - Date.now();
      if (left <= 0) return [];
      await this.log.waitForMessages(left);
    }
  }

  /** Fair across partitions: each poll starts at the next partition in turn. */
  private take(max: number): LogMessage[] {
    const positions = [...this.positions.values()];
    const batch: LogMessage[] = [];
    for (let i = 0; i < positions.length && batch.length < max; i++) {
      const position = positions[(this.cursor + i) % positions.length] as TopicPartitionOffset;
      const messages = this.log.read(position.topic, position.partition, position.offset, max - batch.length);
      const last = messages[messages.length - 1];
      if (last) {
        batch.push(...messages);
        position.offset = last.offset + 1;
      }
    }
    this.cursor++;
    return batch;
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.closed) throw new Error('consumer is closed');
    for (const { topic, partition, offset } of offsets) {
      if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`invalid offset ${offset}`);
      this.group.committed.set(partitionId(topic, partition), offset);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.log.leave(this.group, this);
  }
}
