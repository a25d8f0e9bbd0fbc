/**
 * The speed layer's internal topic: scored (tweet, symbol) mentions re-keyed by symbol, so that a
 * symbol's windows and joins live in the one task that also reads its `stock-prices` partition
 * (Kafka Streams' repartition topic). It has as many partitions as `stock-prices`, and a
 * mention goes to the partition its symbol's ticks go to (same key, same murmur2 partitioner).
 *
 * Watermarks travel through the shuffle in-band, as Flink sends them down every channel: each
 * mention carries its source partition's max event time, and a source partition with no mention to
 * carry its progress sends a `progress` record to every internal partition, or an `idle` record
 * once it has had no data for the idle timeout. Because the markers are in the log, a task's
 * tweet-side watermark is a function of the log it reads alone, so a replay decides exactly as
 * the first run did.
 *
 * Records are compact JSON arrays (the topic is internal and hot): a mention is
 *   ["m", id, symbol, createdAt, compound, sourcePartition, sourceOffset, sourceMaxEventTime]
 * and markers are ["p", sourcePartition, maxEventTime, sourceOffset] and ["i", sourcePartition, sourceOffset].
 */

/** The internal topic of a consumer group (two deployments with different groups never share it). */
export const mentionsTopic = (groupId: string, topicPrefix = ''): string =>
  `${topicPrefix}${groupId}.mentions-by-symbol`;

export interface MentionRecord {
  kind: 'mention';
  id: string;
  symbol: string;
  createdAt: number;
  compound: number;
  sourcePartition: number;
  sourceOffset: number;
  /** Max event time seen on the source partition up to and including this tweet. */
  sourceMaxEventTime: number;
}

export interface ProgressRecord {
  kind: 'progress';
  sourcePartition: number;
  maxEventTime: number;
  /** The source offset the progress was measured at (for replay de-duplication). */
  sourceOffset: number;
}

export interface IdleRecord {
  kind: 'idle';
  sourcePartition: number;
  sourceOffset: number;
}

export type InternalRecord = MentionRecord | ProgressRecord | IdleRecord;

export function encodeInternalRecord(r: InternalRecord): string {
  switch (r.kind) {
    case 'mention':
      return JSON.stringify([
        'm',
        r.id,
        r.symbol,
        r.createdAt,
        r.compound,
        r.sourcePartition,
        r.sourceOffset,
        r.sourceMaxEventTime,
      ]);
    case 'progress':
      return JSON.stringify(['p', r.sourcePartition, r.maxEventTime, r.sourceOffset]);
    case 'idle':
      return JSON.stringify(['i', r.sourcePartition, r.sourceOffset]);
  }
}

const decoder = new TextDecoder();
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Decodes an internal record; undefined for anything else (the runner dead-letters it). */
export function decodeInternalRecord(value: Uint8Array | string): InternalRecord | undefined {
  let a: unknown;
  try {
    a = JSON.parse(typeof value === 'string' ? value : decoder.decode(value));
  } catch {
    return undefined;
  }
  if (!Array.isArray(a)) return undefined;
  switch (a[0]) {
    case 'm': {
      const [, id, symbol, createdAt, compound, sp, so, smax] = a;
      if (typeof id !== 'string' || typeof symbol !== 'string') return undefined;
      if (!isInt(createdAt) || !isNum(compound) || !isInt(sp) || !isInt(so) || !isInt(smax)) return undefined;
      return {
        kind: 'mention',
        id,
        symbol,
        createdAt,
        compound,
        sourcePartition: sp,
        sourceOffset: so,
        sourceMaxEventTime: smax,
      };
    }
    case 'p': {
      const [, sp, max, so] = a;
      if (!isInt(sp) || !isInt(max) || !isInt(so)) return undefined;
      return { kind: 'progress', sourcePartition: sp, maxEventTime: max, sourceOffset: so };
    }
    case 'i': {
      const [, sp, so] = a;
      if (!isInt(sp) || !isInt(so)) return undefined;
      return { kind: 'idle', sourcePartition: sp, sourceOffset: so };
    }
    default:
      return undefined;
  }
}

/** Headers of a dead-lettered message, beside its original headers and bytes. */
export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  field: 'dlq.field',
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  time: 'dlq.time',
} as const;

/** The rejection classes a dead letter's `dlq.reason` header starts with, counted per class. */
export type DeadLetterClass = 'decode' | 'future' | 'internal';
