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
const MENTION_HEADER = 2 + 5 * 8 + 2 + 2;
const TWEET_MENTION_HEADER = 2 + 8 * 8 + 2 + 2 + 2 + 4;
const MAX_TEXT_BYTES = 0xffffffff;
const PROGRESS_LENGTH = 2 + 3 * 8;
const IDLE_LENGTH = 2 + 2 * 8;
const MAX_STRING_BYTES = 0xffff;

/** UTF-8 byte length of `text`, counted in JS: cheaper than a call into the runtime for short strings. */
function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // Surrogate pairs count 2 + 2 (4 bytes); a lone surrogate is written as U+FFFD (3 bytes).
    n += c < 0x800 ? 1 : 2;
  }
  return n;
}

function writeText(buffer: Buffer, at: number, text: string, bytes: number): void {
  if (bytes === text.length) {
    for (let i = 0; i < bytes; i++) buffer[at + i] = text.charCodeAt(i);
  } else buffer.write(text, at, bytes, 'utf8');
}

export function encodeInternalRecord(r: InternalRecord): Buffer {
  switch (r.kind) {
    case 'mention': {
      if (r.text !== undefined) return encodeTweetMention(r);
      // A lone surrogate becomes U+FFFD: count what Buffer.write writes, not what utf8Length guesses.
      const idBytes = utf8Length(r.id) === r.id.length ? r.id.length : Buffer.byteLength(r.id);
      const symbolBytes =
        utf8Length(r.symbol) === r.symbol.length ? r.symbol.length : Buffer.byteLength(r.symbol);
      if (idBytes > MAX_STRING_BYTES || symbolBytes > MAX_STRING_BYTES)
        throw new Error('internal record: id or symbol longer than 65,535 bytes');
      const b = Buffer.allocUnsafe(MENTION_HEADER + idBytes + symbolBytes);
      putMentionCore(b, KIND_MENTION, r);
      b[42] = idBytes & 0xff;
      b[43] = idBytes >>> 8;
      b[44] = symbolBytes & 0xff;
      b[45] = symbolBytes >>> 8;
      writeText(b, MENTION_HEADER, r.id, idBytes);
      writeText(b, MENTION_HEADER + idBytes, r.symbol, symbolBytes);
      return b;
    }
    case 'progress': {
      const b = Buffer.allocUnsafe(PROGRESS_LENGTH);
      b[0] = MAGIC;
      b[1] = KIND_PROGRESS;
      putFloat64(b, 2, r.sourcePartition);
      putFloat64(b, 10, r.maxEventTime);
      putFloat64(b, 18, r.sourceOffset);
      return b;
    }
    case 'idle': {
      const b = Buffer.allocUnsafe(IDLE_LENGTH);
      b[0] = MAGIC;
      b[1] = KIND_IDLE;
      putFloat64(b, 2, r.sourcePartition);
      putFloat64(b, 10, r.sourceOffset);
      return b;
    }
  }
}

/** UTF-8 bytes `writeText` will write for `text`. */
function byteLength(text: string): number {
  return utf8Length(text) === text.length ? text.length : Buffer.byteLength(text);
}

/** Magic, kind and the five numbers both mention forms start with. */
function putMentionCore(b: Buffer, kind: number, r: MentionRecord): void {
  b[0] = MAGIC;
  b[1] = kind;
  putFloat64(b, 2, r.createdAt);
  // `+ 0`: -0 becomes 0, as the JSON form this replaced wrote it.
  putFloat64(b, 10, r.compound + 0);
  putFloat64(b, 18, r.sourcePartition);
  putFloat64(b, 26, r.sourceOffset);
  putFloat64(b, 34, r.sourceMaxEventTime);
}

/** The numbers both mention forms start with, checked, and the id and symbol at `at`. */
function mentionCore(
  value: Uint8Array,
  at: number,
  idBytes: number,
  symbolBytes: number,
): MentionRecord | undefined {
  const createdAt = float64At(value, 2);
  const compound = float64At(value, 10);
  const sp = float64At(value, 18);
  const so = float64At(value, 26);
  const smax = float64At(value, 34);
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
  const text = r.text as string;
  const userId = r.userId ?? '';
  const idBytes = byteLength(r.id);
  const symbolBytes = byteLength(r.symbol);
  const userBytes = byteLength(userId);
  const textBytes = byteLength(text);
  if (idBytes > MAX_STRING_BYTES || symbolBytes > MAX_STRING_BYTES || userBytes > MAX_STRING_BYTES)
    throw new Error('internal record: id, symbol or user_id longer than 65,535 bytes');
  if (textBytes > MAX_TEXT_BYTES) throw new Error('internal record: text longer than 4 GiB');
  const b = Buffer.allocUnsafe(TWEET_MENTION_HEADER + idBytes + symbolBytes + userBytes + textBytes);
  putMentionCore(b, KIND_TWEET_MENTION, r);
  putFloat64(b, 42, (r.pos ?? 0) + 0);
  putFloat64(b, 50, (r.neu ?? 0) + 0);
  putFloat64(b, 58, (r.neg ?? 0) + 0);
  b.writeUInt16LE(idBytes, 66);
  b.writeUInt16LE(symbolBytes, 68);
  b.writeUInt16LE(userBytes, 70);
  b.writeUInt32LE(textBytes, 72);
  let at = TWEET_MENTION_HEADER;
  writeText(b, at, r.id, idBytes);
  at += idBytes;
  writeText(b, at, r.symbol, symbolBytes);
  at += symbolBytes;
  writeText(b, at, userId, userBytes);
  at += userBytes;
  writeText(b, at, text, textBytes);
  return b;
}

function decodeTweetMention(value: Uint8Array): MentionRecord | undefined {
  if (value.length < TWEET_MENTION_HEADER) return undefined;
  const u16 = (at: number) => (value[at] as number) | ((value[at + 1] as number) << 8);
  const idBytes = u16(66);
  const symbolBytes = u16(68);
  const userBytes = u16(70);
  const textBytes = (u16(72) | (u16(74) << 16)) >>> 0;
  if (value.length !== TWEET_MENTION_HEADER + idBytes + symbolBytes + userBytes + textBytes) return undefined;
  const pos = float64At(value, 42);
  const neu = float64At(value, 50);
  const neg = float64At(value, 58);
  if (!Number.isFinite(pos) || !Number.isFinite(neu) || !Number.isFinite(neg)) return undefined;
  const mention = mentionCore(value, TWEET_MENTION_HEADER, idBytes, symbolBytes);
  if (!mention) return undefined;
  const at = TWEET_MENTION_HEADER + idBytes + symbolBytes;
  mention.userId = readText(value, at, at + userBytes);
  mention.text = readText(value, at + userBytes, at + userBytes + textBytes);
  mention.pos = pos;
  mention.neu = neu;
  mention.neg = neg;
  return mention;
}

const isInt = (v: number): boolean => Number.isSafeInteger(v);

// Float64 through a scratch array: a DataView per record, or Buffer's writeDoubleLE, cost more.
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);
// The wire is little-endian whatever the platform's order.
const order =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? [0, 1, 2, 3, 4, 5, 6, 7] : [7, 6, 5, 4, 3, 2, 1, 0];
function float64At(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratchBytes[order[i] as number] = bytes[at + i] as number;
  return scratch[0] as number;
}
function putFloat64(bytes: Uint8Array, at: number, value: number): void {
  scratch[0] = value;
  for (let i = 0; i < 8; i++) bytes[at + i] = scratchBytes[order[i] as number] as number;
}

const utf8 = new TextDecoder();

/** A string of UTF-8 bytes; what is not UTF-8 becomes U+FFFD, as the JSON form this replaced did. */
function readText(bytes: Uint8Array, start: number, end: number): string {
  // One flat string: built a character at a time it would be a chain of cons strings, several
  // times its size in memory, and stage 2 holds every pending mention's id.
  return utf8.decode(bytes.subarray(start, end));
}

/** Symbols are few: up to six bytes, keyed by their value, each decoded once. */
const shortSymbols = new Map<number, string>();
function readSymbol(bytes: Uint8Array, start: number, end: number): string {
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

/** Decodes an internal record; undefined for anything else (the runner dead-letters it). */
export function decodeInternalRecord(value: Uint8Array | string): InternalRecord | undefined {
  // A string cannot be the binary form (the log hands stage 2 bytes); it is not a record.
  if (typeof value === 'string' || value.length < 2 || value[0] !== MAGIC) return undefined;
  switch (value[1]) {
    case KIND_TWEET_MENTION:
      return decodeTweetMention(value);
    case KIND_MENTION: {
      if (value.length < MENTION_HEADER) return undefined;
      const idBytes = (value[42] as number) | ((value[43] as number) << 8);
      const symbolBytes = (value[44] as number) | ((value[45] as number) << 8);
      if (value.length !== MENTION_HEADER + idBytes + symbolBytes) return undefined;
      return mentionCore(value, MENTION_HEADER, idBytes, symbolBytes);
    }
    case KIND_PROGRESS: {
      if (value.length !== PROGRESS_LENGTH) return undefined;
      const [sp, max, so] = [float64At(value, 2), float64At(value, 10), float64At(value, 18)];
      if (!isInt(sp) || !isInt(max) || !isInt(so)) return undefined;
      return { kind: 'progress', sourcePartition: sp, maxEventTime: max, sourceOffset: so };
    }
    case KIND_IDLE: {
      if (value.length !== IDLE_LENGTH) return undefined;
      const sp = float64At(value, 2);
      const so = float64At(value, 10);
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
