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

/** Slot layout in the table: four int32s per slot, so that one probe touches one cache line. */
const ID = 0;
const HASH = 1;
const OFFSET = 2;
const LENGTH = 3;
const STRIDE = 4;

export class WordTable {
  /** Per slot: id (0 = empty), hash, and the word's offset and length in the pool. */
  private slots: Int32Array;
  private mask: number;
  private size = 0;
  private pool = new Uint16Array(1024);
  private poolLength = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.slots = new Int32Array(capacity * STRIDE);
    this.mask = capacity - 1;
  }

  /** The id of `word`, or 0. */
  get(word: string): number {
    const hash = hashString(word);
    const slots = this.slots;
    let slot = hash & this.mask;
    while (true) {
      const base = slot * STRIDE;
      const id = slots[base + ID]!;
      if (id === 0) return 0;
      if (slots[base + HASH] === hash && slots[base + LENGTH] === word.length && this.poolEquals(base, word))
        return id;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds `word` with `id` (> 0) unless present; returns its id. */
  add(word: string, id: number): number {
    const existing = this.get(word);
    if (existing !== 0) return existing;
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
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
   * The id of the word buffer[start, end) with its ASCII letters lower-cased, given its hash (of
   * those units), or 0.
   */
  getLowerCaseSpan(buffer: Uint16Array, start: number, end: number, hash: number): number {
    const length = end - start;
    const pool = this.pool;
    const slots = this.slots;
    let slot = hash & this.mask;
    while (true) {
      const base = slot * STRIDE;
      const id = slots[base + ID]!;
      if (id === 0) return 0;
      if (slots[base + HASH] === hash && slots[base + LENGTH] === length) {
        const offset = slots[base + OFFSET]!;
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

  private poolEquals(base: number, word: string): boolean {
    const offset = this.slots[base + OFFSET]!;
    for (let k = 0; k < word.length; k++) if (this.pool[offset + k] !== word.charCodeAt(k)) return false;
    return true;
  }

  private place(hash: number, id: number, offset: number, length: number): void {
    const slots = this.slots;
    let slot = hash & this.mask;
    while (slots[slot * STRIDE + ID] !== 0) slot = (slot + 1) & this.mask;
    const base = slot * STRIDE;
    slots[base + ID] = id;
    slots[base + HASH] = hash;
    slots[base + OFFSET] = offset;
    slots[base + LENGTH] = length;
    this.size++;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = (old.length * 2) / STRIDE - 1;
    this.size = 0;
    for (let base = 0; base < old.length; base += STRIDE) {
      if (old[base + ID] === 0) continue;
      this.place(old[base + HASH]!, old[base + ID]!, old[base + OFFSET]!, old[base + LENGTH]!);
    }
  }
}
