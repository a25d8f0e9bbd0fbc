/**
 * Word → small integer id, looked up straight from a span of code units, lower-casing ASCII on the
 * fly: no substring, no lower-case copy and no string hashing per token. Open addressing with
 * linear probing over a power-of-two table of FNV-1a hashes; the words themselves live in one
 * code-unit pool, so a probe compares typed-array elements.
 */

export const HASH_SEED = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a step: a word's hash folds hashStep over its code units, starting from HASH_SEED. */
export function hashStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, FNV_PRIME);
}

function hashString(word: string): number {
  let hash = HASH_SEED;
  for (let i = 0; i < word.length; i++) hash = hashStep(hash, word.charCodeAt(i));
  return hash;
}

export class WordTable {
  /** Per slot: id (0 = empty), and the word's offset and length in the pool. */
  private ids: Int32Array;
  private offsets: Int32Array;
  private lengths: Int32Array;
  private mask: number;
  private size = 0;
  private pool = new Uint16Array(1024);
  private poolLength = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.ids = new Int32Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** The id of `word`, or 0. */
  get(word: string): number {
    let slot = hashString(word) & this.mask;
    while (true) {
      const id = this.ids[slot]!;
      if (id === 0) return 0;
      if (this.lengths[slot] === word.length && this.poolEquals(slot, word)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds `word` with `id` (> 0) unless present; returns its id. */
  add(word: string, id: number): number {
    const existing = this.get(word);
    if (existing !== 0) return existing;
    if ((this.size + 1) * 2 > this.ids.length) this.grow();
    if (this.poolLength + word.length > this.pool.length) {
      const pool = new Uint16Array(Math.max(this.pool.length * 2, this.poolLength + word.length));
      pool.set(this.pool);
      this.pool = pool;
    }
    const offset = this.poolLength;
    for (let k = 0; k < word.length; k++) this.pool[offset + k] = word.charCodeAt(k);
    this.poolLength += word.length;
    this.place(hashString(word), id, offset, word.length);
    return id;
  }

  /**
   * The id of the ASCII word buffer[start, end) lower-cased, given its hash (of the lower-case
   * units), or 0.
   */
  getAsciiSpan(buffer: Uint16Array, start: number, end: number, hash: number): number {
    const length = end - start;
    const pool = this.pool;
    let slot = hash & this.mask;
    while (true) {
      const id = this.ids[slot]!;
      if (id === 0) return 0;
      if (this.lengths[slot] === length) {
        const offset = this.offsets[slot]!;
        let k = 0;
        for (; k < length; k++) {
          let unit = buffer[start + k]!;
          if (unit >= 65 && unit <= 90) unit += 32;
          if (pool[offset + k] !== unit) break;
        }
        if (k === length) return id;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  private poolEquals(slot: number, word: string): boolean {
    const offset = this.offsets[slot]!;
    for (let k = 0; k < word.length; k++) if (this.pool[offset + k] !== word.charCodeAt(k)) return false;
    return true;
  }

  private place(hash: number, id: number, offset: number, length: number): void {
    let slot = hash & this.mask;
    while (this.ids[slot] !== 0) slot = (slot + 1) & this.mask;
    this.ids[slot] = id;
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
    this.size++;
  }

  private grow(): void {
    const { ids, offsets, lengths } = this;
    const capacity = ids.length * 2;
    this.ids = new Int32Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let slot = 0; slot < ids.length; slot++) {
      if (ids[slot] === 0) continue;
      let hash = HASH_SEED;
      for (let k = 0; k < lengths[slot]!; k++) hash = hashStep(hash, this.pool[offsets[slot]! + k]!);
      this.place(hash, ids[slot]!, offsets[slot]!, lengths[slot]!);
    }
  }
}
