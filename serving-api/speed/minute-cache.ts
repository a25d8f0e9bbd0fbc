/**
 * A read-through cache of `sentiment_by_minute`, per (symbol, day) partition, for the merge's
 * speed reads: they ask the same partitions over and over, and re-reading 60–900 rows per request
 * from Cassandra was what bounded the API (bench/RESULTS.md, Serving API).
 *
 * What makes it exact: a minute row marked `final` is never rewritten with other values, and no
 * row ever appears for a minute the watermark has passed (docs/speed-layer.md, Lateness). So once
 * a final row of minute m has been seen, every minute of the partition up to m is settled: its
 * row (or its absence) stays as it is. An entry keeps the settled rows and answers with them plus
 * a fresh read of the rest, `minute >= settledUntil`: only the not-yet-final tail goes to Cassandra.
 *
 * Two things delay settling, both explicit:
 *  - writes in flight: the speed layer keeps several batches' writes in flight at once, so the
 *    final row of minute m can land before an earlier batch's row of minute m - 1. A final row
 *    settles the minutes up to it only once its `updated_at` (the speed layer's clock when it
 *    wrote the row) is `settleMs` older than the read that saw it;
 *  - retention: a row lives SPEED_VIEW_TTL after its last write, about `updated_at + ttlMs`.
 *    Rows of minutes older than `now - ttlMs` are never asked (the merge reads from
 *    `speedFrom`), and an entry whose settled rows may have expired in Cassandra is dropped
 *    and read whole again.
 * An entry is also read whole again after `maxAgeMs`, so a row written long after its batch (a
 * speed layer replaying after a crash) is seen at the latest then.
 *
 * Identical concurrent tail reads are coalesced (single flight): a tail read in flight, or one
 * started less than `coalesceMs` ago, answers every request of that partition.
 *
 * The rows returned are shared between requests: callers must not modify them.
 */
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import { DAY_MS, MINUTE_MS, utcDay } from '../../schemas/time.js';

export interface MinuteCacheOptions {
  store: ViewStore;
  /** Every view-store request goes through it (the API's backend deadline). */
  call: <T>(request: () => Promise<T>) => Promise<T>;
  /** Partitions kept; the least recently used is dropped first. */
  maxPartitions: number;
  /** SPEED_VIEW_TTL: how long a row lives after its last write. */
  ttlMs: number;
  /** How old a final row's `updated_at` must be before it settles the minutes up to it. */
  settleMs: number;
  /** An entry older than this is read whole again. */
  maxAgeMs: number;
  /** A tail read started less than this ago answers (0: only one still in flight). */
  coalesceMs: number;
  now?: () => number;
}

interface TailRead {
  startedAt: number;
  done: boolean;
  /** The tail, newest first, with the settled rows below `settledUntil` at the time it was read. */
  rows: Promise<SentimentMinuteRow[]>;
}

interface Partition {
  loadedAt: number;
  /** The lowest minute this entry read; below it nothing is known. */
  coveredFrom: number;
  /** Final, settled rows, newest first, all below `settledUntil`. */
  settled: SentimentMinuteRow[];
  /** Every minute in [coveredFrom, settledUntil) is settled; the tail is read from here. */
  settledUntil: number;
  /** The earliest `updated_at + ttlMs` among the settled rows: from then one may be gone. */
  expiresAt: number;
  /** The first whole read, shared by the requests that arrive while it runs. */
  loading?: Promise<SentimentMinuteRow[]>;
  tail?: TailRead;
}

/** The index of the first row (newest first) whose minute is below `t`. */
function firstBelow(rows: readonly SentimentMinuteRow[], t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((rows[mid] as SentimentMinuteRow).minute >= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class MinuteCache {
  private readonly partitions = new Map<string, Partition>();
  private readonly now: () => number;
  /** View-store queries made, by kind: what the tests and the bench count. */
  readonly reads = { whole: 0, tail: 0 };

  constructor(private readonly options: MinuteCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** `sentiment_by_minute` rows of `symbol` with minute in [from, to), newest first. */
  async minutes(symbol: string, from: number, to: number): Promise<SentimentMinuteRow[]> {
    if (to <= from) return [];
    const days: string[] = [];
    for (let t = Date.parse(`${utcDay(from)}T00:00:00Z`); t < to; t += DAY_MS) days.unshift(utcDay(t));
    const parts = await Promise.all(days.map((day) => this.partitionRows(symbol, day, from)));
    const out: SentimentMinuteRow[] = [];
    for (const rows of parts) {
      // Newest first: the rows of [from, to) are one slice, found by halving.
      const end = firstBelow(rows, from);
      for (let i = firstBelow(rows, to); i < end; i++) out.push(rows[i] as SentimentMinuteRow);
    }
    return out;
  }

  /** Every row of the partition from `from` (or lower) on, newest first. */
  private async partitionRows(symbol: string, day: string, from: number): Promise<SentimentMinuteRow[]> {
    const key = `${symbol}|${day}`;
    const now = this.now();
    let entry = this.partitions.get(key);
    if (entry && !entry.loading && !this.usable(entry, from, now)) {
      this.partitions.delete(key);
      entry = undefined;
    }
    if (!entry) {
      const dayStart = Date.parse(`${day}T00:00:00Z`);
      // Below now - ttl nothing is asked (the merge's speedFrom) and rows may be gone.
      const floor = Math.min(from, Math.ceil((now - this.options.ttlMs) / MINUTE_MS) * MINUTE_MS);
      entry = this.load(key, symbol, day, Math.max(dayStart, floor), now);
    } else {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.partitions.delete(key);
      this.partitions.set(key, entry);
    }
    // Those who waited for the whole read take it: it is as fresh as a tail read would be. One
    // asking below what it reads (a clock that passed a minute since) reads for itself.
    if (entry.loading)
      return from >= entry.coveredFrom ? entry.loading : this.query(symbol, day, from, 'whole');
    return this.tail(symbol, day, entry).rows;
  }

  /** Whether an entry may answer a read from `from` at `now`. */
  private usable(entry: Partition, from: number, now: number): boolean {
    if (from < entry.coveredFrom || now - entry.loadedAt >= this.options.maxAgeMs) return false;
    if (now < entry.expiresAt) return true;
    // Settled rows of minutes below now - ttl are never asked: drop them, then look again.
    const floor = now - this.options.ttlMs;
    entry.settled = entry.settled.filter((r) => r.minute >= floor);
    entry.coveredFrom = Math.max(entry.coveredFrom, Math.ceil(floor / MINUTE_MS) * MINUTE_MS);
    entry.expiresAt = this.expiryOf(entry.settled);
    return from >= entry.coveredFrom && now < entry.expiresAt;
  }

  private load(key: string, symbol: string, day: string, coveredFrom: number, now: number): Partition {
    const entry: Partition = {
      loadedAt: now,
      coveredFrom,
      settled: [],
      settledUntil: coveredFrom,
      expiresAt: Number.POSITIVE_INFINITY,
    };
    entry.loading = this.query(symbol, day, coveredFrom, 'whole').then(
      (rows) => {
        this.settle(entry, rows, now);
        // The whole read is a tail read too: requests within the coalescing window reuse it.
        entry.tail = { startedAt: now, done: true, rows: Promise.resolve(rows) };
        delete entry.loading;
        return rows;
      },
      (error: unknown) => {
        if (this.partitions.get(key) === entry) this.partitions.delete(key);
        throw error;
      },
    );
    this.partitions.set(key, entry);
    while (this.partitions.size > this.options.maxPartitions)
      this.partitions.delete(this.partitions.keys().next().value as string);
    return entry;
  }

  /** The partition's rows: a fresh (or coalesced) read of the tail, then the settled rows. */
  private tail(symbol: string, day: string, entry: Partition): TailRead {
    const now = this.now();
    const last = entry.tail;
    if (last && (!last.done || now - last.startedAt < this.options.coalesceMs)) return last;
    const settledUntil = entry.settledUntil;
    const read: TailRead = {
      startedAt: now,
      done: false,
      rows: this.query(symbol, day, settledUntil, 'tail').then(
        (rows) => {
          read.done = true;
          // Settled rows below the tail's start, as they were when the tail was asked for.
          const below = entry.settled.filter((r) => r.minute < settledUntil);
          this.settle(entry, rows, now);
          return rows.concat(below);
        },
        (error: unknown) => {
          if (entry.tail === read) delete entry.tail;
          throw error;
        },
      ),
    };
    entry.tail = read;
    return read;
  }

  /**
   * Moves the final rows at the old end of a read (newest first, from `settledUntil` on) into the
   * settled rows, oldest first, up to the first that is not final or was written too recently.
   */
  private settle(entry: Partition, rows: SentimentMinuteRow[], readAt: number): void {
    const settleBefore = readAt - this.options.settleMs;
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i] as SentimentMinuteRow;
      if (row.minute < entry.settledUntil) continue;
      if (row.final !== true || !(row.updated_at <= settleBefore)) break;
      entry.settled.unshift(row);
      entry.settledUntil = row.minute + MINUTE_MS;
      entry.expiresAt = Math.min(entry.expiresAt, row.updated_at + this.options.ttlMs);
    }
  }

  private expiryOf(rows: readonly SentimentMinuteRow[]): number {
    let at = Number.POSITIVE_INFINITY;
    for (const r of rows) at = Math.min(at, r.updated_at + this.options.ttlMs);
    return at;
  }

  private query(symbol: string, day: string, from: number, kind: 'whole' | 'tail') {
    this.reads[kind]++;
    return this.options.call(() =>
      this.options.store.query<SentimentMinuteRow>(TABLES.sentimentByMinute.name, {
        partition: { symbol, day },
        range: { gte: from },
      }),
    );
  }
}
