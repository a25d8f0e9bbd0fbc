/**
 * The event-log port: the part of Kafka's semantics the producers and the speed layer rely on.
 * Implemented by the embedded MemoryEventLog and by the real Kafka adapter; both pass the same
 * contract suite (event-log.contract.ts).
 *
 * Offsets are numbers (safe up to 2^53). A committed offset is, as in Kafka, the offset of the
 * next message to read.
 */

export interface TopicSpec {
  name: string;
  partitions: number;
  /** Kafka `retention.ms`; ignored by the embedded log. */
  retentionMs?: number;
}

export interface OutgoingMessage {
  /** Messages with the same key go to the same partition; null spreads them round-robin. */
  key: string | null;
  /** An explicit partition, overriding the key's (e.g. a marker sent to every partition). */
  partition?: number;
  value: Uint8Array | string;
  headers?: Record<string, string>;
  /** Defaults to now. */
  timestamp?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface LogMessage extends TopicPartitionOffset {
  key: string | null;
  value: Uint8Array;
  headers: Record<string, string>;
  timestamp: number;
}

/**
 * Told of a member's partitions changing hands. Both implementations rebalance eagerly, as Kafka's
 * classic protocol does: every rebalance first revokes all of a member's partitions, then assigns its
 * new set (which may hold the same partitions again). The calls run when the group rebalances, not
 * inside `poll`, so they can overlap the handling of a batch the caller already has; `poll` returns
 * no message while one of them runs. A listener that throws does not stop the rebalance: the next
 * `poll` rejects with its error. Closing a consumer revokes its partitions first. On Kafka, a
 * member that lost its broker gets onRevoked for partitions that may already be another member's:
 * its commits are refused by then.
 */
export interface RebalanceListener {
  /** Awaited after partitions are assigned to this member and before any of their messages is returned by poll. */
  onAssigned?(partitions: TopicPartition[]): Promise<void> | void;
  /**
   * Awaited before partitions are taken away; the member may still commit them inside this call.
   * On Kafka it must end within the session timeout: the member sends no heartbeat meanwhile, and a
   * member silent for longer is dropped from the group (its later commits are refused).
   */
  onRevoked?(partitions: TopicPartition[]): Promise<void> | void;
}

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: the earliest message (true) or new ones only. */
  fromBeginning?: boolean;
  /** 'co-partitioned': partition N of every subscribed topic goes to one member (topics must have equal partition counts; creation of the consumer fails naming the topics otherwise). Default 'round-robin'. */
  assignment?: 'round-robin' | 'co-partitioned';
  rebalance?: RebalanceListener;
}

export interface PollOptions {
  maxMessages?: number;
  /**
   * Stop adding messages once their values hold this many bytes (a batch has at least one
   * message however large): a poll's work and memory stay bounded when records are large.
   */
  maxBytes?: number;
  /** How long to wait for at least one message before returning an empty batch. */
  maxWaitMs?: number;
}

export interface LogConsumer {
  /**
   * The next messages of the assigned partitions, each partition in offset order. On a closed
   * consumer or log it rejects at once with EventLogClosedError.
   */
  poll(options?: PollOptions): Promise<LogMessage[]>;
  /**
   * Commits, per partition, the offset of the next message to read. Rejects with CommitRefusedError,
   * committing nothing, when this member does not own one of the partitions (any more).
   */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** The next poll of this owned partition starts at `offset`; messages already buffered for it are dropped. */
  seek(position: TopicPartitionOffset): Promise<void>;
  /** The partitions this member currently owns. */
  assignment(): TopicPartition[];
  close(): Promise<void>;
}

export interface EventLog {
  /** Creates the topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: TopicSpec[]): Promise<void>;
  /** Appends messages; resolves once they are durable (acks=all on Kafka), with their positions. */
  produce(topic: string, messages: OutgoingMessage[]): Promise<TopicPartitionOffset[]>;
  consumer(options: ConsumerOptions): Promise<LogConsumer>;
  /** Committed offsets of a group on a topic, by partition (absent: nothing committed). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  /** Per partition, the offset the next produced message will get. */
  endOffsets(topic: string): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/** Raised by `poll` (and other calls) on a consumer or event log that was closed. */
export class EventLogClosedError extends Error {
  constructor(what: 'consumer' | 'event log') {
    super(`${what} is closed`);
    this.name = 'EventLogClosedError';
  }
}

/**
 * Raised by `commit` for a partition the member does not own: it was never assigned, it was
 * revoked, or (Kafka) the group moved to a new generation without this member. Not retryable: the
 * partition's owner re-reads from the last accepted commit (at-least-once).
 */
export class CommitRefusedError extends Error {
  readonly partitions: TopicPartition[];

  constructor(partitions: readonly TopicPartition[], options?: { cause?: unknown }) {
    super(
      `commit refused: this member does not own ${partitions.map((p) => `${p.topic}/${p.partition}`).join(', ')}`,
      options,
    );
    this.name = 'CommitRefusedError';
    this.partitions = partitions.map(({ topic, partition }) => ({ topic, partition }));
  }
}

/** The one key of a topic partition in maps and sets (NUL cannot occur in a Kafka topic name). */
export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** For a batch of consumed messages, the offsets to commit: one past the last of each partition. */
export function nextOffsets(messages: readonly LogMessage[]): TopicPartitionOffset[] {
  const next = new Map<string, TopicPartitionOffset>();
  for (const m of messages) {
    const id = topicPartitionKey(m.topic, m.partition);
    const seen = next.get(id);
    if (!seen || seen.offset <= m.offset)
      next.set(id, { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
  }
  return [...next.values()];
}
