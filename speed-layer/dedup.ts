/**
 * The tweet ids a `tweets` partition has seen within its watermark horizon, for stage 1's
 * duplicate check (a producer retry must not count twice downstream): Spark's
 * dropDuplicatesWithinWatermark. Ids are held in one generation per event-time minute, so a
 * minute that falls below the watermark is forgotten by dropping its table whole: no per-id
 * deletes, and nothing an old tweet pins but its own minute.
 *
 * Each generation is an open-addressing table of (hash, id) rather than a `Map`: at 10,000 tweets/s
 * a partition holds over a million ids, and a `Map`'s inserts and rehashes cost several times a
 * probe into typed arrays. The id strings are kept and compared, so a hash collision is never
 * taken for a duplicate.
 */

import { MINUTE_MS, windowStart } from '../schemas/time.js';

export class RecentIds {
  private readonly generations = new Map<number, IdTable>();
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
    const hash = idHash(id);
    // Split once per id, not once per generation probed.
    const numeric = splitDigits(id);
    for (const table of this.generations.values()) if (table.has(id, hash, numeric)) return true;
    if (eventTime < watermark) return false;
    const minute = windowStart(eventTime, MINUTE_MS);
    let table = this.generations.get(minute);
    if (!table) {
      table = new IdTable(offset);
      this.generations.set(minute, table);
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
    this.nextEviction = next;
  }
}

/** FNV-1a over the UTF-16 code units, never 0 (0 marks an empty slot). */
export function idHash(id: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 1;
}

/**
 * A set of ids with linear probing, kept at most half full. An id of 1 to 19 decimal digits (a
 * snowflake id, what every producer we know sends) is kept as two numbers, its leading digits and
 * its last nine, instead of its string: a partition holds a million ids for minutes, and as
 * strings each was an object the garbage collector copied and marked. Other ids keep their string.
 */
class IdTable {
  size = 0;
  private mask = 1023;
  private hashes = new Int32Array(1024);
  /** Digits of a numeric id: `heads` all but the last nine, `tails` the last nine, `lengths` how many. */
  private heads = new Float64Array(1024);
  private tails = new Float64Array(1024);
  private lengths = new Uint8Array(1024);
  /** The id of a slot whose id is not numeric. */
  private ids: (string | undefined)[] = new Array(1024).fill(undefined);

  constructor(public minOffset: number) {}

  /** `numeric`: `splitDigits(id)` was true, and `splitHead`/`splitTail` still hold its parts. */
  has(id: string, hash: number, numeric: boolean): boolean {
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = hashes[i];
      if (h === 0) return false;
      if (h !== hash) continue;
      if (numeric) {
        if (this.lengths[i] === id.length && this.heads[i] === splitHead && this.tails[i] === splitTail)
          return true;
      } else if (this.ids[i] === id) return true;
    }
  }

  add(id: string, hash: number, numeric: boolean, offset: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    const i = this.free(hash);
    this.hashes[i] = hash;
    if (numeric) {
      this.heads[i] = splitHead;
      this.tails[i] = splitTail;
      this.lengths[i] = id.length;
    } else this.ids[i] = id;
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
    const { hashes, heads, tails, lengths, ids } = this;
    const capacity = hashes.length * 2;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.heads = new Float64Array(capacity);
    this.tails = new Float64Array(capacity);
    this.lengths = new Uint8Array(capacity);
    this.ids = new Array(capacity).fill(undefined);
    for (let j = 0; j < hashes.length; j++) {
      const h = hashes[j] as number;
      if (h === 0) continue;
      const i = this.free(h);
      this.hashes[i] = h;
      this.heads[i] = heads[j] as number;
      this.tails[i] = tails[j] as number;
      this.lengths[i] = lengths[j] as number;
      this.ids[i] = ids[j];
    }
  }
}

// The parts of the last id `splitDigits` accepted (module state: no object per call).
let splitHead = 0;
let splitTail = 0;

/**
 * True for an id of 1 to 19 ASCII digits, leaving its leading digits (up to ten: below 2^53,
 * exact) in `splitHead` and its last nine in `splitTail`; with the length this is the id.
 */
function splitDigits(id: string): boolean {
  const n = id.length;
  if (n === 0 || n > 19) return false;
  const cut = n > 9 ? n - 9 : 0;
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const d = id.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (i < cut) head = head * 10 + d;
    else tail = tail * 10 + d;
  }
  splitHead = head;
  splitTail = tail;
  return true;
}
