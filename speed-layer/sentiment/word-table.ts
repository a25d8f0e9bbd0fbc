/**
 * Word → small integer id, looked up straight from a span of code units, lower-casing ASCII on the
 * fly: no substring, no lower-case copy and no string hashing per token. Open addressing with
 * linear probing over a power-of-two table, FNV-1a hashes of the lower-case code units.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a step: the hash of a word is fold(…fold(FNV_OFFSET, unit0)…, unitN). */
export function hashStep(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, FNV_PRIME);
}

export function hashString(word: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) hash = hashStep(hash, word.charCodeAt(i));
  return hash;
}

export const HASH_SEED = FNV_OFFSET;

export class WordTable {
  private keys: (string | undefined)[];
  private ids: Int32Array;
  private mask: number;
  private size = 0;

  constructor(expected: number) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.keys = new Array<string | undefined>(capacity).fill(undefined);
    this.ids = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** The id of `word`, or 0. */
  get(word: string): number {
    let slot = hashString(word) & this.mask;
    while (true) {
      const key = this.keys[slot];
      if (key === undefined) return 0;
      if (key === word) return this.ids[slot]!;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds `word` with `id` (> 0) unless present; returns its id. */
  add(word: string, id: number): number {
    const existing = this.get(word);
    if (existing !== 0) return existing;
    if ((this.size + 1) * 2 > this.keys.length) this.rehash();
    let slot = hashString(word) & this.mask;
    while (this.keys[slot] !== undefined) slot = (slot + 1) & this.mask;
    this.keys[slot] = word;
    this.ids[slot] = id;
    this.size++;
    return id;
  }

  /**
   * The id of the ASCII word buffer[start, end) lower-cased, given its hash (of the lower-case
   * units), or 0.
   */
  getAsciiSpan(buffer: Uint16Array, start: number, end: number, hash: number): number {
    const length = end - start;
    let slot = hash & this.mask;
    while (true) {
      const key = this.keys[slot];
      if (key === undefined) return 0;
      if (key.length === length && matchesLowered(key, buffer, start, length)) return this.ids[slot]!;
      slot = (slot + 1) & this.mask;
    }
  }

  private rehash(): void {
    const keys = this.keys;
    const ids = this.ids;
    this.keys = new Array<string | undefined>(keys.length * 2).fill(undefined);
    this.ids = new Int32Array(keys.length * 2);
    this.mask = keys.length * 2 - 1;
    this.size = 0;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot];
      if (key !== undefined) this.add(key, ids[slot]!);
    }
  }
}

function matchesLowered(key: string, buffer: Uint16Array, start: number, length: number): boolean {
  for (let k = 0; k < length; k++) {
    let unit = buffer[start + k]!;
    if (unit >= 65 && unit <= 90) unit += 32;
    if (key.charCodeAt(k) !== unit) return false;
  }
  return true;
}
