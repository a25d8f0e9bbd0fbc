/**
 * Where bronze objects begin and end, for one (dataset, source partition). Pure: it holds rows and
 * decides cuts; the runner encodes and writes what it hands back, and commits offsets. An open
 * object's rows go into a store of the runner's choosing (`newRows`): an array, or the columns of
 * the object's Parquet file filled as rows arrive (infra/lake `ParquetRows`). Its state is not
 * checkpointed: a restart rebuilds the open object by replay (see `resumeAfter`).
 *
 * As Kafka Connect's S3 sink does for exactly-once, boundaries come from the records themselves,
 * so a replay of the same offsets cuts at the same places and names its objects the same
 * (bronze/<dataset>/date=<day>/<dataset>-p<partition>-<first>-<last>.parquet). The open object is
 * closed, in this order of checks:
 *
 *  1. before a row of a later UTC day (event time) than the open object's: the object's day, the
 *     `date=` of its key, is its first row's. A row of an earlier day (late, or jittered back
 *     across midnight) does not cut: it joins the open object, so `date=D` may also hold rows of
 *     day D−1 from at most `maxSpanMs` before midnight (rule 2 bounds them; they arrived after
 *     the partition's first row of D). To read day D exactly, read `date=D` and `date=D+1` and
 *     filter on the time column. Cutting on every change of day instead would hold each day
 *     purely, but out-of-order rows flip between the two days for minutes after midnight: on
 *     the synthetic feed (2 s jitter, 3 % late) that made 9,384 tweet objects in the hour across
 *     midnight at 1,000 tweets/s instead of about 27 (bench/parquet-writers.bench.ts).
 *  2. before a row that would stretch the object's event-time span (max − min, rows arrive out of
 *     order) beyond `maxSpanMs`;
 *  3. after the row that brings it to `maxRows` rows;
 *  4. when it has been open `maxAgeMs` of processing time, checked on every call including `tick`:
 *     the only wall-clock rule, so that a slow stream still reaches the lake.
 *
 * An object covers the contiguous offset range [firstOffset, lastOffset]: every offset in it is a
 * row of the object or a message noted with `skip` (dead-lettered). A skipped message while no
 * object is open is covered by none; there is nothing of it to write.
 */
import { BRONZE_DATASETS, type BronzeDataset, bronzeObjectKey } from '../schemas/lake.js';
import type { BronzeTickRow, BronzeTweetRow } from '../schemas/rows.js';
import { DAY_MS, utcDay } from '../schemas/time.js';

export type BronzeRow = BronzeTweetRow | BronzeTickRow;

/** Where an open object keeps its rows: an array, or anything else that takes them in order. */
export interface BronzeRows<R> {
  push(row: R): unknown;
  readonly length: number;
}

export interface BronzeBatcherOptions<S> {
  dataset: BronzeDataset;
  partition: number;
  maxRows: number;
  maxSpanMs: number;
  maxAgeMs: number;
  /** An empty store for the rows of a new object. */
  newRows: () => S;
}

export interface ClosedBronzeObject<S = BronzeRow[]> {
  key: string;
  day: string;
  firstOffset: number;
  lastOffset: number;
  rows: S;
}

interface OpenObject<S> {
  day: string;
  /** Days since the epoch of `day`, compared per row instead of formatting each row's day. */
  dayIndex: number;
  firstOffset: number;
  lastOffset: number;
  minEventTime: number;
  maxEventTime: number;
  /** Processing time of its first row. */
  openedAt: number;
  rows: S;
}

export class BronzeBatcher<R extends BronzeRow = BronzeRow, S extends BronzeRows<R> = R[]> {
  private readonly timeColumn: string;
  private nextOffset: number | undefined;
  private writtenThrough: number | undefined;
  private open: OpenObject<S> | undefined;

  constructor(private readonly options: BronzeBatcherOptions<S>) {
    const { maxRows, maxSpanMs, maxAgeMs, partition } = options;
    const dataset = Object.values(BRONZE_DATASETS).find((d) => d.name === options.dataset);
    if (!dataset) throw new Error(`bronze batcher: unknown dataset ${JSON.stringify(options.dataset)}`);
    if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new Error('bronze batcher: maxRows must be ≥ 1');
    if (!(maxSpanMs >= 0) || !(maxAgeMs >= 0))
      throw new Error('bronze batcher: maxSpanMs and maxAgeMs must be ≥ 0');
    if (!Number.isSafeInteger(partition) || partition < 0) throw new Error('bronze batcher: bad partition');
    this.timeColumn = dataset.timeColumn;
  }

  /**
   * Adds the row at `row.source_offset`, read at processing time `now`; returns the objects this
   * closes (none, or one, or two when the row both cuts the open object and fills its own).
   * Offsets must increase; one at or below the `resumeAfter` offset is dropped, already in the lake.
   */
  add(row: R, now: number): ClosedBronzeObject<S>[] {
    const offset = row.source_offset;
    if (row.source_partition !== this.options.partition)
      throw new Error(
        `bronze batcher: row of partition ${row.source_partition} given to partition ${this.options.partition}`,
      );
    if (!this.accept(offset)) return [];
    const eventTime = (row as unknown as Record<string, unknown>)[this.timeColumn];
    if (typeof eventTime !== 'number' || !Number.isSafeInteger(eventTime))
      throw new Error(`bronze batcher: row at offset ${offset} has no epoch-ms ${this.timeColumn}`);
    const dayIndex = Math.floor(eventTime / DAY_MS);
    const closed = this.closeIfOld(now);
    const open = this.open;
    if (
      open &&
      (dayIndex > open.dayIndex ||
        Math.max(open.maxEventTime, eventTime) - Math.min(open.minEventTime, eventTime) >
          this.options.maxSpanMs)
    ) {
      closed.push(this.close(open));
    }
    if (this.open) {
      const o = this.open;
      o.rows.push(row);
      o.lastOffset = offset;
      if (eventTime < o.minEventTime) o.minEventTime = eventTime;
      if (eventTime > o.maxEventTime) o.maxEventTime = eventTime;
    } else {
      const rows = this.options.newRows();
      rows.push(row);
      this.open = {
        day: utcDay(eventTime),
        dayIndex,
        firstOffset: offset,
        lastOffset: offset,
        minEventTime: eventTime,
        maxEventTime: eventTime,
        openedAt: now,
        rows,
      };
    }
    this.nextOffset = offset + 1;
    if (this.open.rows.length >= this.options.maxRows) closed.push(this.close(this.open));
    return closed;
  }

  /** Notes a message at `offset` that has no row (dead-lettered): the open object covers it. */
  skip(offset: number, now: number): ClosedBronzeObject<S>[] {
    if (!this.accept(offset)) return [];
    const closed = this.closeIfOld(now);
    if (this.open) this.open.lastOffset = offset;
    this.nextOffset = offset + 1;
    return closed;
  }

  /** The age rule alone, for when no message arrives: closes the open object once it is too old. */
  tick(now: number): ClosedBronzeObject<S>[] {
    return this.closeIfOld(now);
  }

  /** Closes the open object whatever its size (shutdown, partition revoked). */
  flush(): ClosedBronzeObject<S>[] {
    return this.open ? [this.close(this.open)] : [];
  }

  /**
   * The first offset not in a closed object, or undefined before any message: the runner commits
   * at most this (Kafka's committed offset is the next one to read), and only once the objects
   * closed so far are in the lake.
   */
  lowestOpenOffset(): number | undefined {
    return this.open ? this.open.firstOffset : this.nextOffset;
  }

  /**
   * After a restart, drops every message at or below `lastWrittenOffset`, the highest last offset
   * of the partition's objects already in the lake, and starts the next object after it. The
   * runner finds it as the greatest of the last keys under each `date=` for the partition
   * (`…/date=D/<dataset>-p<partition>-`): keys sort by offset within a day, but an object's day is
   * its first row's, so the newest offsets need not sit under the newest day (a replay of old
   * events writes them under old days).
   *
   * Why this and not identical cut points is what keeps every offset in at most one object: the
   * replay starts at the committed offset, which may lie before objects already written (they were
   * written, then the process died before committing). Record-driven rules would cut the replay
   * as before, but the age rule is wall-clock, and the configured limits may have changed since:
   * a replay could close [100..180] where the lake already holds [100..150], two different keys
   * for the same rows. Dropping what the lake holds makes the replay's first object begin at 151
   * whatever the cuts were. It relies on the runner writing a partition's objects in offset order
   * (each put done before the next begins), so nothing below the newest object is missing.
   */
  resumeAfter(lastWrittenOffset: number): void {
    if (!Number.isSafeInteger(lastWrittenOffset) || lastWrittenOffset < 0)
      throw new Error('bronze batcher: lastWrittenOffset must be a non-negative integer');
    if (this.open && this.open.firstOffset <= lastWrittenOffset)
      throw new Error('bronze batcher: resumeAfter must come before the rows it would drop');
    this.writtenThrough = Math.max(this.writtenThrough ?? -1, lastWrittenOffset);
    if (this.nextOffset === undefined || this.nextOffset <= lastWrittenOffset)
      this.nextOffset = lastWrittenOffset + 1;
  }

  /** False for an offset already in the lake; throws on one that does not move forward. */
  private accept(offset: number): boolean {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new Error(`bronze batcher: bad offset ${offset}`);
    if (this.writtenThrough !== undefined && offset <= this.writtenThrough) return false;
    if (this.nextOffset !== undefined && offset < this.nextOffset)
      throw new Error(`bronze batcher: offset ${offset} after ${this.nextOffset - 1}; offsets must increase`);
    return true;
  }

  private closeIfOld(now: number): ClosedBronzeObject<S>[] {
    const open = this.open;
    return open && now - open.openedAt >= this.options.maxAgeMs ? [this.close(open)] : [];
  }

  private close(open: OpenObject<S>): ClosedBronzeObject<S> {
    this.open = undefined;
    const { day, firstOffset, lastOffset, rows } = open;
    const key = bronzeObjectKey({
      dataset: this.options.dataset,
      day,
      partition: this.options.partition,
      firstOffset,
      lastOffset,
    });
    return { key, day, firstOffset, lastOffset, rows };
  }
}
