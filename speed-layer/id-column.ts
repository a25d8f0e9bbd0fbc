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

export class IdColumn {
  /** Digits of a numeric id: `heads` all but the last nine, `tails` the last nine; `lengths` 0: a string id. */
  private heads: Float64Array;
  private tails: Float64Array;
  private lengths: Uint8Array;
  /** The ids that are not numeric, made at the first one. */
  private strings: (string | undefined)[] | undefined;

  constructor(capacity: number) {
    this.heads = new Float64Array(capacity);
    this.tails = new Float64Array(capacity);
    this.lengths = new Uint8Array(capacity);
  }

  get capacity(): number {
    return this.lengths.length;
  }

  /** Puts `id` in slot `i`; `numeric` is `splitId(id)`, called last. */
  set(i: number, id: string, numeric: boolean): void {
    if (numeric) {
      this.heads[i] = splitHead;
      this.tails[i] = splitTail;
      this.lengths[i] = id.length;
    } else {
      this.strings ??= new Array(this.capacity).fill(undefined);
      this.strings[i] = id;
      this.lengths[i] = 0;
    }
  }

  /** Slot `i` holds `id`; `numeric` is `splitId(id)`, called last. */
  matches(i: number, id: string, numeric: boolean): boolean {
    if (numeric)
      return this.lengths[i] === id.length && this.heads[i] === splitHead && this.tails[i] === splitTail;
    return this.lengths[i] === 0 && this.strings?.[i] === id;
  }

  /** The id in slot `i`, as it was given. */
  get(i: number): string {
    const n = this.lengths[i] as number;
    if (n === 0) return this.strings?.[i] as string;
    const tail = String(this.tails[i]);
    if (n <= 9) return tail.padStart(n, '0');
    return String(this.heads[i]).padStart(n - 9, '0') + tail.padStart(9, '0');
  }

  /** Copies slot `from` of `source` (this column or another) to slot `to`. */
  copy(source: IdColumn, from: number, to: number): void {
    const n = source.lengths[from] as number;
    this.lengths[to] = n;
    if (n === 0) {
      this.strings ??= new Array(this.capacity).fill(undefined);
      this.strings[to] = source.strings?.[from];
    } else {
      this.heads[to] = source.heads[from] as number;
      this.tails[to] = source.tails[from] as number;
    }
  }

  /** Drops the string of slot `i` (numeric slots hold nothing the collector sees). */
  clear(i: number): void {
    if (this.strings && this.lengths[i] === 0) this.strings[i] = undefined;
  }

  /** Room for `capacity` slots, the first `keep` kept. */
  resize(capacity: number, keep: number): void {
    const { heads, tails, lengths, strings } = this;
    this.heads = new Float64Array(capacity);
    this.tails = new Float64Array(capacity);
    this.lengths = new Uint8Array(capacity);
    this.heads.set(heads.subarray(0, keep));
    this.tails.set(tails.subarray(0, keep));
    this.lengths.set(lengths.subarray(0, keep));
    if (strings) {
      this.strings = new Array(capacity).fill(undefined);
      for (let i = 0; i < keep; i++) this.strings[i] = strings[i];
    }
  }
}
