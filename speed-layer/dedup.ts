/**
 * The tweet ids a `tweets` partition has seen within its watermark horizon, for stage 1's
 * duplicate check (a producer retry must not count twice downstream): Spark's
 * dropDuplicatesWithinWatermark. Ids are held in one generation per event-time minute, so a
 * minute that falls below the watermark is forgotten by dropping its table whole: no per-id
 * deletes, and nothing an old tweet pins but its own minute.
 *
 * Each generation is an open-addressing table of (hash, id) rather than a `Map`: at 10,000 tweets/s
 * a partition holds over a million ids, and a `Map`'s inserts and rehashes cost several times a
 * probe into typed arrays. The ids are kept (as an `IdColumn`) and compared, so a hash collision
 * is never taken for a duplicate.
 */

import { MINUTE_MS, windowStart } from '../schemas/time.js';
import { IdColumn, splitHash, splitId } from './id-column.js';

export class RecentIds {
  private readonly generations = new Map<number, IdTable>();
  /** The tables of `generations`, for the probe of every id without a Map iterator per id. */
  private tables: IdTable[] = [];
  /** The watermark at which the oldest generation is dropped: eviction runs only once it is crossed. */
  private nextEviction = Number.POSITIVE_INFINITY;

  /**
   * True when `id` was already seen in a minute the watermark has not passed (a duplicate);
   * otherwise remembers it in its event time's minute, unless that is itself below the watermark
   * (a late tweet reaches no window, so it need not be remembered), and returns false.
   * `offset` is the message's position in the partition: a replay must start at or before the
   * lowest offset of any generation still held (`lowestOffset`).
   */
  seen(id: string, eventTime: number, offset: number, watermark: number): boolean {
    if (watermark >= this.nextEviction) this.evictBelow(watermark);
    // Read once per id, not once per generation probed: split, and hashed from its parts.
    const numeric = splitId(id);
    const hash = numeric ? splitHash(id.length) : stringHash(id);
    const tables = this.tables;
    for (let t = 0; t < tables.length; t++) if ((tables[t] as IdTable).has(id, hash, numeric)) return true;
    if (eventTime < watermark) return false;
    const minute = windowStart(eventTime, MINUTE_MS);
    let table = this.generations.get(minute);
    if (!table) {
      table = new IdTable(offset);
      this.generations.set(minute, table);
      this.tables = [...this.generations.values()];
      if (minute + MINUTE_MS < this.nextEviction) this.nextEviction = minute + MINUTE_MS;
    }
    table.add(id, hash, numeric, offset);
    return false;
  }

  /** The lowest offset of an id still held (undefined: none). */
  lowestOffset(): number | undefined {
    let min: number | undefined;
    for (const table of this.generations.values())
      if (min === undefined || table.minOffset < min) min = table.minOffset;
    return min;
  }

  /** Ids held. */
  size(): number {
    let n = 0;
    for (const table of this.generations.values()) n += table.size;
    return n;
  }

  /** Drops every minute wholly below the watermark. */
  private evictBelow(watermark: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const minute of this.generations.keys()) {
      if (minute + MINUTE_MS <= watermark) this.generations.delete(minute);
      else if (minute + MINUTE_MS < next) next = minute + MINUTE_MS;
    }
    this.tables = [...this.generations.values()];
    this.nextEviction = next;
  }
}

/** The hash the duplicate check files `id` under; never 0 (0 marks an empty slot). */
export function idHash(id: string): number {
  return splitId(id) ? splitHash(id.length) : stringHash(id);
}

/** FNV-1a over the UTF-16 code units, never 0. */
function stringHash(id: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 1;
}

/** A set of ids with linear probing, kept at most half full; the ids as an `IdColumn`. */
class IdTable {
  size = 0;
  private mask = 1023;
  private hashes = new Int32Array(1024);
  private ids = new IdColumn(1024);

  constructor(public minOffset: number) {}

  /** `numeric`: `splitId(id)`, called last. */
  has(id: string, hash: number, numeric: boolean): boolean {
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = hashes[i];
      if (h === 0) return false;
      if (h === hash && this.ids.matches(i, id, numeric)) return true;
    }
  }

  add(id: string, hash: number, numeric: boolean, offset: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const i = this.free(hash);
    this.hashes[i] = hash;
    this.ids.set(i, id, numeric);
    this.size++;
    if (offset < this.minOffset) this.minOffset = offset;
  }

  private free(hash: number): number {
    const mask = this.mask;
    let i = hash & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const { hashes, ids } = this;
    const capacity = hashes.length * 2;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.ids = new IdColumn(capacity);
    for (let j = 0; j < hashes.length; j++) {
      const h = hashes[j] as number;
      if (h === 0) continue;
      const i = this.free(h);
      this.hashes[i] = h;
      this.ids.copy(ids, j, i);
    }
  }
}
