/**
 * Tweet ids held by the hundred thousand, as columns: an id of 1 to 19 ASCII digits (a snowflake
 * id, what every producer we know sends) is kept as two numbers, its leading digits and its last
 * nine, with its length; other ids keep their string. Held as strings, each id was an object the
 * garbage collector copied out of the young generation and then marked for minutes: the duplicate
 * check holds every id of its horizon, and the as-of join every mention awaiting its price.
 */

/** Set by `splitId`: the parts of the last id it accepted (module state, no object per call). */
let splitHead = 0;
let splitTail = 0;

/**
 * A hash of the id `splitId` accepted last (length `length`), from its two parts: the id's
 * characters were already read once to split it. murmur3's finaliser over both parts; never 0.
 */
export function splitHash(length: number): number {
  const headLow = (splitHead % 4_294_967_296) | 0;
  const headHigh = Math.floor(splitHead / 4_294_967_296);
  let h = splitTail ^ Math.imul(headLow, 0x85ebca6b) ^ Math.imul(headHigh * 32 + length, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 1;
}

/**
 * True for an id of 1 to 19 ASCII digits, leaving its leading digits (up to ten: below 2^53,
 * exact) and its last nine for the next `set` or `matches`; with the length this is the id.
 */
export function splitId(id: string): boolean {
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

/** Numbers per slot: the leading digits, the last nine, the length (0: a string id). */
const STRIDE = 3;

export class IdColumn {
  /**
   * The slots side by side (head, tail, length), so that reading or writing one touches one
   * cache line: the tables are far larger than the caches and are probed at random.
   */
  private slots: Float64Array;
  /** The ids that are not numeric, made at the first one. */
  private strings: (string | undefined)[] | undefined;

  constructor(capacity: number) {
    this.slots = new Float64Array(capacity * STRIDE);
  }

  get capacity(): number {
    return this.slots.length / STRIDE;
  }

  /** Puts `id` in slot `i`; `numeric` is `splitId(id)`, called last. */
  set(i: number, id: string, numeric: boolean): void {
    const at = i * STRIDE;
    if (numeric) {
      this.slots[at] = splitHead;
      this.slots[at + 1] = splitTail;
      this.slots[at + 2] = id.length;
    } else {
      this.strings ??= new Array(this.capacity).fill(undefined);
      this.strings[i] = id;
      this.slots[at + 2] = 0;
    }
  }

  /** Slot `i` holds `id`; `numeric` is `splitId(id)`, called last. */
  matches(i: number, id: string, numeric: boolean): boolean {
    const at = i * STRIDE;
    if (numeric)
      return (
        this.slots[at + 2] === id.length && this.slots[at] === splitHead && this.slots[at + 1] === splitTail
      );
    return this.slots[at + 2] === 0 && this.strings?.[i] === id;
  }

  /** The id in slot `i`, as it was given. */
  get(i: number): string {
    const at = i * STRIDE;
    const n = this.slots[at + 2] as number;
    if (n === 0) return this.strings?.[i] as string;
    const tail = String(this.slots[at + 1]);
    if (n <= 9) return tail.padStart(n, '0');
    return String(this.slots[at]).padStart(n - 9, '0') + tail.padStart(9, '0');
  }

  /** Copies slot `from` of `source` (this column or another) to slot `to`. */
  copy(source: IdColumn, from: number, to: number): void {
    const a = from * STRIDE;
    const b = to * STRIDE;
    const n = source.slots[a + 2] as number;
    this.slots[b] = source.slots[a] as number;
    this.slots[b + 1] = source.slots[a + 1] as number;
    this.slots[b + 2] = n;
    if (n === 0) {
      this.strings ??= new Array(this.capacity).fill(undefined);
      this.strings[to] = source.strings?.[from];
    }
  }

  /** Drops the string of slot `i` (numeric slots hold nothing the collector sees). */
  clear(i: number): void {
    if (this.strings && this.slots[i * STRIDE + 2] === 0) this.strings[i] = undefined;
  }

  /** Room for `capacity` slots, the first `keep` kept. */
  resize(capacity: number, keep: number): void {
    const { slots, strings } = this;
    this.slots = new Float64Array(capacity * STRIDE);
    this.slots.set(slots.subarray(0, keep * STRIDE));
    if (strings) {
      this.strings = new Array(capacity).fill(undefined);
      for (let i = 0; i < keep; i++) this.strings[i] = strings[i];
    }
  }
}
