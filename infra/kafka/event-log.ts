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

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts: the earliest message (true) or new ones only. */
  fromBeginning?: boolean;
}

export interface PollOptions {
  maxMessages?: number;
  /** How long to wait for at least one message before returning an empty batch. */
  maxWaitMs?: number;
}

export interface LogConsumer {
  /** The next messages of the assigned partitions, each partition in offset order. */
  poll(options?: PollOptions): Promise<LogMessage[]>;
  /** Commits, per partition, the offset of the next message to read. */
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
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

/** For a batch of consumed messages, the offsets to commit: one past the last of each partition. */
export function nextOffsets(messages: readonly LogMessage[]): TopicPartitionOffset[] {
  const next = new Map<string, TopicPartitionOffset>();
  for (const m of messages) {
    const id = `${m.topic}\u0000${m.partition}`;
    const seen = next.get(id);
    if (!seen || seen.offset <= m.offset)
      next.set(id, { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
  }
  return [...next.values()];
}
