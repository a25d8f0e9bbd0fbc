/**
 * Stage 1 of the speed topology, one instance per `tweets` partition: decode → future check →
 * cashtags → VADER → duplicate check → the partition's bronze rows, and the mentions re-keyed by
 * symbol for stage 2 (schemas/speed.ts), which writes their `tweets_by_symbol` rows.
 *
 * Deterministic in (state, messages): the only processing-time inputs are `ingested_at` (a bronze
 * column) and when an idle marker is sent, and neither changes what stage 2 computes from the log.
 * Its resumable state is small: the partition's max event time at a resume offset (see
 * `resumePoint`), from which a replay rebuilds the rest.
 */

import type { LogMessage } from '../infra/kafka/event-log.js';
import { decodeTweet } from '../schemas/events.js';
import type { BronzeTweetRow } from '../schemas/rows.js';
import { sentimentLabel } from '../schemas/rows.js';
import type { InternalRecord } from '../schemas/speed.js';
import { extractCashtags } from './cashtags.js';
import { type DeadLetter, deadLetter, futureRejection } from './dead-letters.js';
import { RecentIds } from './dedup.js';
import type { VaderScorer } from './sentiment/vader.js';

export interface TweetIngestOptions {
  partition: number;
  delayMs: number;
  futureSkewMs: number;
  idleTimeoutMs: number;
  scorer: VaderScorer;
}

/** Where a replay of this partition may start, with the state the first run had there. */
export interface TweetResumePoint {
  offset: number;
  maxEventTime: number;
}

export interface TweetIngestOutput {
  deadLetters: DeadLetter[];
  /** Records for the internal topic: a mention to its symbol's partition, a marker to every one. */
  internal: InternalRecord[];
  duplicates: number;
}

const NO_TIME = Number.NEGATIVE_INFINITY;
/** A replay re-reads at most this many messages more than it strictly needs. */
const RESUME_POINT_EVERY = 256;

export class TweetIngest {
  readonly partition: number;
  private maxEventTime = NO_TIME;
  /** Ids seen within the watermark horizon, for the duplicate check. */
  private readonly recentIds = new RecentIds();
  private nextOffset: number | undefined;
  private lastDataAt: number;
  private idleSent = false;
  /** The max event time last carried to stage 2 (by a mention to some partitions, or a marker to all). */
  private progressSent = NO_TIME;
  private resumePoints: TweetResumePoint[] = [];
  private out: TweetIngestOutput = emptyOutput();

  constructor(
    private readonly options: TweetIngestOptions,
    resume?: TweetResumePoint,
    now = Date.now(),
  ) {
    this.partition = options.partition;
    if (resume) {
      this.maxEventTime = resume.maxEventTime;
      this.nextOffset = resume.offset;
    }
    this.lastDataAt = now;
  }

  watermark(): number {
    return this.maxEventTime - this.options.delayMs;
  }

  /** Handles one message; returns its bronze row, or undefined when it was dead-lettered. */
  process(m: LogMessage, now: number): BronzeTweetRow | undefined {
    if (this.nextOffset === undefined || m.offset >= this.nextOffset) this.nextOffset = m.offset + 1;
    const last = this.resumePoints.at(-1);
    if (!last || m.offset - last.offset >= RESUME_POINT_EVERY) {
      this.resumePoints.push({ offset: m.offset, maxEventTime: this.maxEventTime });
    }
    this.lastDataAt = now;
    this.idleSent = false;
    const decoded = decodeTweet(m.value);
    if (!decoded.ok) {
      this.out.deadLetters.push(deadLetter(m, 'decode', decoded.rejection, now));
      return undefined;
    }
    const tweet = decoded.value;
    const future = futureRejection('created_at', tweet.created_at, m.timestamp, this.options.futureSkewMs);
    if (future) {
      this.out.deadLetters.push(deadLetter(m, 'future', future, now));
      return undefined;
    }
    if (tweet.created_at > this.maxEventTime) this.maxEventTime = tweet.created_at;
    const scores = this.options.scorer.score(tweet.text);
    const label = sentimentLabel(scores.compound);
    const symbols = extractCashtags(tweet.text);
    const bronze: BronzeTweetRow = {
      id: tweet.id,
      created_at: tweet.created_at,
      text: tweet.text,
      user_id: tweet.user_id,
      symbols,
      compound: scores.compound,
      pos: scores.pos,
      neu: scores.neu,
      neg: scores.neg,
      label,
      source_partition: m.partition,
      source_offset: m.offset,
      ingested_at: now,
    };
    if (symbols.length === 0) return bronze;
    const duplicate = this.seenBefore(tweet.id, tweet.created_at, m.offset);
    if (duplicate) {
      this.out.duplicates++;
      return bronze;
    }
    // Each (tweet, symbol) pair goes to stage 2 with the tweet's columns: stage 2 writes its
    // tweets_by_symbol row whole, with the as-of price, in one write.
    for (const symbol of symbols) {
      this.out.internal.push({
        kind: 'mention',
        id: tweet.id,
        symbol,
        createdAt: tweet.created_at,
        compound: scores.compound,
        sourcePartition: this.partition,
        sourceOffset: m.offset,
        sourceMaxEventTime: this.maxEventTime,
        text: tweet.text,
        userId: tweet.user_id,
        pos: scores.pos,
        neu: scores.neu,
        neg: scores.neg,
      });
    }
    return bronze;
  }

  /**
   * Same id already seen within the watermark horizon (a producer retry). Ids older than the
   * watermark are forgotten; a copy that old is late downstream anyway and counts in no window.
   */
  private seenBefore(id: string, eventTime: number, offset: number): boolean {
    return this.recentIds.seen(id, eventTime, offset, this.watermark());
  }

  /**
   * Markers for stage 2: progress to every internal partition when the max event time moved past
   * what was last carried to all of them; idle once the partition has had no data for the timeout
   * and the reader is at its end (`caughtUp`): a partition merely read behind the others is not idle.
   */
  flushMarkers(now: number, caughtUp = true): void {
    const offset = (this.nextOffset ?? 0) - 1;
    if (this.maxEventTime > this.progressSent) {
      this.out.internal.push({
        kind: 'progress',
        sourcePartition: this.partition,
        maxEventTime: this.maxEventTime,
        sourceOffset: offset,
      });
      this.progressSent = this.maxEventTime;
    }
    if (!this.idleSent && caughtUp && this.idleDue(now)) {
      this.out.internal.push({ kind: 'idle', sourcePartition: this.partition, sourceOffset: offset });
      this.idleSent = true;
    }
  }

  /** No data for the idle timeout and no idle marker sent yet. */
  idleDue(now: number): boolean {
    return !this.idleSent && now - this.lastDataAt >= this.options.idleTimeoutMs;
  }

  /** What was produced since the last drain. */
  drain(): TweetIngestOutput {
    const out = this.out;
    this.out = emptyOutput();
    return out;
  }

  /** The lowest offset the duplicate check still needs (undefined: none). */
  lowestNeededOffset(): number | undefined {
    return this.recentIds.lowestOffset();
  }

  /**
   * The latest resume point at or before `bound` (the lowest offset some state or sink still
   * needs), dropping older ones. Undefined before any message.
   */
  resumePoint(bound: number): TweetResumePoint | undefined {
    let chosen: TweetResumePoint | undefined;
    let keepFrom = 0;
    for (let i = 0; i < this.resumePoints.length; i++) {
      const p = this.resumePoints[i] as TweetResumePoint;
      if (p.offset > bound) break;
      chosen = p;
      keepFrom = i;
    }
    if (keepFrom > 0) this.resumePoints = this.resumePoints.slice(keepFrom);
    if (!chosen && this.nextOffset !== undefined && bound >= this.nextOffset)
      return { offset: this.nextOffset, maxEventTime: this.maxEventTime };
    return chosen;
  }

  /** The next offset this partition will read. */
  position(): number | undefined {
    return this.nextOffset;
  }
}

function emptyOutput(): TweetIngestOutput {
  return { deadLetters: [], internal: [], duplicates: 0 };
}
