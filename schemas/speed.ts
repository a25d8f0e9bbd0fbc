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
 * Records are binary (the topic is internal and hot: printing and parsing numbers as JSON was a
 * visible share of the speed layer's time). Every record starts with the byte 0xB5 (a UTF-8
 * continuation byte, so no text begins with it) and a kind byte; numbers are float64
 * little-endian, strings UTF-8 with a uint16 byte length:
 *   mention  B5 'M' createdAt compound sourcePartition sourceOffset sourceMaxEventTime pos neu neg
 *            len(id) len(symbol) len(user_id) len32(text) id symbol user_id text
 *   (earlier form, still read: B5 'm' without pos, neu, neg, user_id and text, whose
 *   tweets_by_symbol columns stage 1 wrote itself)
 *   progress B5 'p' sourcePartition maxEventTime sourceOffset
 *   idle     B5 'i' sourcePartition sourceOffset
 *   batch    B5 'B' uint32 count, then `count` mentions, each the 'M' form without B5 'M'
 *
 * Stage 1 writes its mentions as batches (`InternalRecordEncoder`): a log record costs the Kafka
 * client, the broker and stage 2 more than its bytes do, and a tweet makes 1.5 mentions on average.
 * A batch stays below `MAX_INTERNAL_RECORD_BYTES`, far under Kafka's default 1 MiB record limit.
 * Stage 2 applies a batch whole or, when any part of it does not decode, dead-letters it whole.
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
  /**
   * The tweet's own columns, so that stage 2 writes the whole tweets_by_symbol row at once with
   * its price (one Cassandra write per pair, not one per stage). Absent in a record of the
   * earlier form; then all five are.
   */
  text?: string;
  userId?: string;
  pos?: number;
  neu?: number;
  neg?: number;
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

const MAGIC = 0xb5;
const KIND_MENTION = 0x6d; // 'm', without the tweet's own columns
const KIND_TWEET_MENTION = 0x4d; // 'M'
const KIND_PROGRESS = 0x70; // 'p'
const KIND_IDLE = 0x69; // 'i'
const KIND_BATCH = 0x42; // 'B'
const MENTION_HEADER = 2 + 5 * 8 + 2 + 2;
const TWEET_MENTION_HEADER = 2 + 8 * 8 + 2 + 2 + 2 + 4;
const MAX_TEXT_BYTES = 0xffffffff;
const PROGRESS_LENGTH = 2 + 3 * 8;
const IDLE_LENGTH = 2 + 2 * 8;
const MAX_STRING_BYTES = 0xffff;

export function encodeInternalRecord(r: InternalRecord): Buffer {
  switch (r.kind) {
    case 'mention': {
      if (r.text !== undefined) return encodeTweetMention(r);
      const b = Buffer.allocUnsafe(MENTION_HEADER + 3 * (r.id.length + r.symbol.length));
      putMentionCore(b, KIND_MENTION, r);
      const idBytes = putString(b, MENTION_HEADER, r.id);
      const symbolBytes = putString(b, MENTION_HEADER + idBytes, r.symbol);
      if (idBytes > MAX_STRING_BYTES || symbolBytes > MAX_STRING_BYTES)
        throw new Error('internal record: id or symbol longer than 65,535 bytes');
      putUint16(b, 42, idBytes);
      putUint16(b, 44, symbolBytes);
      return b.subarray(0, MENTION_HEADER + idBytes + symbolBytes);
    }
    case 'progress': {
      const b = Buffer.allocUnsafe(PROGRESS_LENGTH);
      b[0] = MAGIC;
      b[1] = KIND_PROGRESS;
      const v = viewOf(b);
      putFloat64(v, 2, r.sourcePartition);
      putFloat64(v, 10, r.maxEventTime);
      putFloat64(v, 18, r.sourceOffset);
      return b;
    }
    case 'idle': {
      const b = Buffer.allocUnsafe(IDLE_LENGTH);
      b[0] = MAGIC;
      b[1] = KIND_IDLE;
      const v = viewOf(b);
      putFloat64(v, 2, r.sourcePartition);
      putFloat64(v, 10, r.sourceOffset);
      return b;
    }
  }
}

/** Magic, kind and the five numbers both mention forms start with. */
function putMentionCore(b: Buffer, kind: number, r: MentionRecord): void {
  b[0] = MAGIC;
  b[1] = kind;
  putMentionNumbers(viewOf(b), 0, r);
}

/** The five numbers every mention form starts with, at `base` + 2 (after magic and kind). */
function putMentionNumbers(v: DataView, base: number, r: MentionRecord): void {
  putFloat64(v, base + 2, r.createdAt);
  // `+ 0`: -0 becomes 0, as the JSON form this replaced wrote it.
  putFloat64(v, base + 10, r.compound + 0);
  putFloat64(v, base + 18, r.sourcePartition);
  putFloat64(v, base + 26, r.sourceOffset);
  putFloat64(v, base + 34, r.sourceMaxEventTime);
}

/**
 * The numbers every mention form starts with (at `base` + 2), checked, and the id and symbol at
 * `at`.
 */
function mentionCore(
  value: Buffer,
  v: DataView,
  base: number,
  at: number,
  idBytes: number,
  symbolBytes: number,
): MentionRecord | undefined {
  const createdAt = float64At(v, base + 2);
  const compound = float64At(v, base + 10);
  const sp = float64At(v, base + 18);
  const so = float64At(v, base + 26);
  const smax = float64At(v, base + 34);
  if (!isInt(createdAt) || !Number.isFinite(compound) || !isInt(sp) || !isInt(so) || !isInt(smax))
    return undefined;
  return {
    kind: 'mention',
    id: readText(value, at, at + idBytes),
    symbol: readSymbol(value, at + idBytes, at + idBytes + symbolBytes),
    createdAt,
    compound,
    sourcePartition: sp,
    sourceOffset: so,
    sourceMaxEventTime: smax,
  };
}

function encodeTweetMention(r: MentionRecord): Buffer {
  const b = Buffer.allocUnsafe(2 + mentionBound(r));
  b[0] = MAGIC;
  b[1] = KIND_TWEET_MENTION;
  return b.subarray(0, putTweetMention(b, viewOf(b), 0, r));
}

/**
 * Writes the 'M' form of `m` whose magic byte is (or, in a batch, would be) at `base`, all but
 * that magic and kind; `b` has room for `mentionBound(m)` bytes after them. Strings are written
 * first and their lengths after. Returns where the mention ends.
 */
function putTweetMention(b: Buffer, v: DataView, base: number, m: MentionRecord): number {
  putMentionNumbers(v, base, m);
  putFloat64(v, base + 42, (m.pos ?? 0) + 0);
  putFloat64(v, base + 50, (m.neu ?? 0) + 0);
  putFloat64(v, base + 58, (m.neg ?? 0) + 0);
  let at = base + TWEET_MENTION_HEADER;
  const idBytes = putString(b, at, m.id);
  at += idBytes;
  const symbolBytes = putString(b, at, m.symbol);
  at += symbolBytes;
  const userBytes = putString(b, at, m.userId ?? '');
  at += userBytes;
  const textBytes = putString(b, at, m.text ?? '');
  at += textBytes;
  if (idBytes > MAX_STRING_BYTES || symbolBytes > MAX_STRING_BYTES || userBytes > MAX_STRING_BYTES)
    throw new Error('internal record: id, symbol or user_id longer than 65,535 bytes');
  if (textBytes > MAX_TEXT_BYTES) throw new Error('internal record: text longer than 4 GiB');
  putUint16(b, base + 66, idBytes);
  putUint16(b, base + 68, symbolBytes);
  putUint16(b, base + 70, userBytes);
  putUint32(b, base + 72, textBytes);
  return at;
}

function decodeTweetMention(value: Buffer): MentionRecord | undefined {
  const decoded = tweetMentionAt(value, viewOf(value), 0);
  return decoded && decoded.end === value.length ? decoded.mention : undefined;
}

/**
 * The 'M' form whose magic byte is (or, in a batch, would be) at `base`, and where it ends;
 * undefined when it does not decode or runs past the bytes.
 */
function tweetMentionAt(
  value: Buffer,
  v: DataView,
  base: number,
): { mention: MentionRecord; end: number } | undefined {
  if (value.length < base + TWEET_MENTION_HEADER) return undefined;
  const idBytes = uint16At(value, base + 66);
  const symbolBytes = uint16At(value, base + 68);
  const userBytes = uint16At(value, base + 70);
  const textBytes = uint32At(value, base + 72);
  const end = base + TWEET_MENTION_HEADER + idBytes + symbolBytes + userBytes + textBytes;
  if (end > value.length) return undefined;
  const pos = float64At(v, base + 42);
  const neu = float64At(v, base + 50);
  const neg = float64At(v, base + 58);
  if (!Number.isFinite(pos) || !Number.isFinite(neu) || !Number.isFinite(neg)) return undefined;
  const at = base + TWEET_MENTION_HEADER;
  const mention = mentionCore(value, v, base, at, idBytes, symbolBytes);
  if (!mention) return undefined;
  const userAt = at + idBytes + symbolBytes;
  mention.userId = readText(value, userAt, userAt + userBytes);
  mention.text = readText(value, userAt + userBytes, end);
  mention.pos = pos;
  mention.neu = neu;
  mention.neg = neg;
  return { mention, end };
}

const isInt = (v: number): boolean => Number.isSafeInteger(v);

// Numbers go through a DataView made once per record or batch: TurboFan turns its accesses into
// plain loads and stores (ten times a byte-wise copy through a scratch array, in a micro-benchmark).
const viewOf = (bytes: Uint8Array): DataView =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
// The wire is little-endian whatever the platform's order.
const float64At = (view: DataView, at: number): number => view.getFloat64(at, true);
function putFloat64(view: DataView, at: number, value: number): void {
  view.setFloat64(at, value, true);
}

/** A string of UTF-8 bytes; what is not UTF-8 becomes U+FFFD, as the JSON form this replaced did. */
function readText(bytes: Buffer, start: number, end: number): string {
  // One flat string: built a character at a time it would be a chain of cons strings, several
  // times its size in memory, and stage 2 holds every pending mention's id. Buffer's own decoder
  // takes a range: a TextDecoder needs a view object per string, and cost half as much again.
  return bytes.toString('utf8', start, end);
}

/** `value` as a Buffer (a view of the same bytes when it is not one already). */
const asBuffer = (value: Uint8Array): Buffer =>
  Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

/** Symbols are few: up to six bytes, keyed by their value, each decoded once. */
const shortSymbols = new Map<number, string>();
function readSymbol(bytes: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > 6) return readText(bytes, start, end);
  let key = length;
  for (let i = start; i < end; i++) key = key * 256 + (bytes[i] as number);
  let symbol = shortSymbols.get(key);
  if (symbol === undefined) {
    symbol = readText(bytes, start, end);
    if (shortSymbols.size < 65_536) shortSymbols.set(key, symbol);
  }
  return symbol;
}

/**
 * The records an internal log record holds (one, or a batch's mentions in order); undefined for
 * anything else, or a batch any part of which does not decode (the runner dead-letters it whole).
 */
export function decodeInternalRecords(value: Uint8Array | string): InternalRecord[] | undefined {
  if (typeof value !== 'string' && value[0] === MAGIC && value[1] === KIND_BATCH)
    return decodeBatch(asBuffer(value));
  const record = decodeInternalRecord(value);
  return record ? [record] : undefined;
}

/** One record of a single-record form; undefined for anything else. */
function decodeInternalRecord(value: Uint8Array | string): InternalRecord | undefined {
  // A string cannot be the binary form (the log hands stage 2 bytes); it is not a record.
  if (typeof value === 'string' || value.length < 2 || value[0] !== MAGIC) return undefined;
  switch (value[1]) {
    case KIND_TWEET_MENTION:
      return decodeTweetMention(asBuffer(value));
    case KIND_MENTION: {
      if (value.length < MENTION_HEADER) return undefined;
      const idBytes = uint16At(value, 42);
      const symbolBytes = uint16At(value, 44);
      if (value.length !== MENTION_HEADER + idBytes + symbolBytes) return undefined;
      const b = asBuffer(value);
      return mentionCore(b, viewOf(b), 0, MENTION_HEADER, idBytes, symbolBytes);
    }
    case KIND_PROGRESS: {
      if (value.length !== PROGRESS_LENGTH) return undefined;
      const v = viewOf(value);
      const [sp, max, so] = [float64At(v, 2), float64At(v, 10), float64At(v, 18)];
      if (!isInt(sp) || !isInt(max) || !isInt(so)) return undefined;
      return { kind: 'progress', sourcePartition: sp, maxEventTime: max, sourceOffset: so };
    }
    case KIND_IDLE: {
      if (value.length !== IDLE_LENGTH) return undefined;
      const v = viewOf(value);
      const sp = float64At(v, 2);
      const so = float64At(v, 10);
      if (!isInt(sp) || !isInt(so)) return undefined;
      return { kind: 'idle', sourcePartition: sp, sourceOffset: so };
    }
    default:
      return undefined;
  }
}

/** Largest batch record stage 1 builds (a single mention larger than this is a record of its own). */
export const MAX_INTERNAL_RECORD_BYTES = 256 * 1024;
const BATCH_HEADER = 6;
const BATCH_MENTION_HEADER = TWEET_MENTION_HEADER - 2;

/** A record for the internal topic and the partition it goes to. */
export interface InternalMessage {
  partition: number;
  value: Buffer;
}

/**
 * One drain of stage 1 as internal records: consecutive mentions bound for one partition share a
 * batch record; a marker goes to every partition after each one's open batch, so every partition
 * reads mentions and markers in the order stage 1 made them, which its watermarks depend on.
 */
export class InternalRecordEncoder {
  private readonly open: (MentionBatch | undefined)[];
  private out: InternalMessage[] = [];

  constructor(
    private readonly partitions: number,
    /** The internal partition of a symbol (the partitioner of its ticks). */
    private readonly partitionOf: (symbol: string) => number,
    private readonly maxRecordBytes = MAX_INTERNAL_RECORD_BYTES,
  ) {
    this.open = Array.from({ length: partitions }, () => undefined);
  }

  /** A mention, to its symbol's partition; a progress or idle marker, to every partition. */
  add(r: InternalRecord): void {
    if (r.kind === 'mention') this.mention(this.partitionOf(r.symbol), r);
    else this.marker(r);
  }

  private mention(partition: number, m: MentionRecord): void {
    let batch = this.open[partition];
    const bound = mentionBound(m);
    if (batch && batch.size + bound > this.maxRecordBytes) {
      this.close(partition, batch);
      batch = undefined;
    }
    if (!batch) {
      batch = new MentionBatch(Math.max(Math.min(this.maxRecordBytes, 64 * 1024), BATCH_HEADER + bound));
      this.open[partition] = batch;
    }
    batch.add(m, bound);
  }

  private marker(r: ProgressRecord | IdleRecord): void {
    const value = encodeInternalRecord(r);
    for (let p = 0; p < this.partitions; p++) {
      const batch = this.open[p];
      if (batch) this.close(p, batch);
      this.out.push({ partition: p, value });
    }
  }

  /** Everything added since the last call, in order per partition. */
  finish(): InternalMessage[] {
    this.open.forEach((batch, p) => {
      if (batch) this.close(p, batch);
    });
    const out = this.out;
    this.out = [];
    return out;
  }

  private close(partition: number, batch: MentionBatch): void {
    this.out.push({ partition, value: batch.finish() });
    this.open[partition] = undefined;
  }
}

/** Most bytes a mention takes in a batch: UTF-8 needs at most 3 bytes per UTF-16 unit. */
function mentionBound(m: MentionRecord): number {
  return (
    BATCH_MENTION_HEADER +
    3 * (m.id.length + m.symbol.length + (m.userId?.length ?? 0) + (m.text?.length ?? 0))
  );
}

/** A batch record being written; strings are written first and their lengths after. */
class MentionBatch {
  private buffer: Buffer;
  private view: DataView;
  size = BATCH_HEADER;
  private count = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
    this.view = viewOf(this.buffer);
    this.buffer[0] = MAGIC;
    this.buffer[1] = KIND_BATCH;
  }

  add(m: MentionRecord, bound: number): void {
    if (this.size + bound > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.size + bound));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
      this.view = viewOf(grown);
    }
    // The batch holds each mention's 'M' form without its magic and kind.
    this.size = putTweetMention(this.buffer, this.view, this.size - 2, m);
    this.count++;
  }

  finish(): Buffer {
    putUint32(this.buffer, 2, this.count);
    return this.buffer.subarray(0, this.size);
  }
}

/** Writes `text` as UTF-8 at `at` (room checked by the caller); the bytes written. */
function putString(b: Buffer, at: number, text: string): number {
  // Short ASCII (ids, symbols, user ids) is copied in JS: cheaper than a call into the runtime.
  if (text.length <= 32) {
    let i = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      b[at + i] = c;
    }
    if (i === text.length) return i;
  }
  return b.write(text, at, 'utf8');
}

function putUint16(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = v >>> 8;
}
function putUint32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = v >>> 24;
}
const uint16At = (b: Uint8Array, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8);
const uint32At = (b: Uint8Array, at: number): number => (uint16At(b, at) | (uint16At(b, at + 2) << 16)) >>> 0;

/** The mentions of a batch record; undefined when any of them does not decode. */
function decodeBatch(value: Buffer): MentionRecord[] | undefined {
  if (value.length < BATCH_HEADER) return undefined;
  const count = uint32At(value, 2);
  const mentions: MentionRecord[] = [];
  const v = viewOf(value);
  let start = BATCH_HEADER - 2;
  for (let i = 0; i < count; i++) {
    const m = tweetMentionAt(value, v, start);
    if (!m) return undefined;
    mentions.push(m.mention);
    start = m.end - 2;
  }
  return start + 2 === value.length ? mentions : undefined;
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
