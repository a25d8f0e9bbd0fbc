/**
 * The two orders Cassandra puts on values, for the stand-in to reproduce:
 *
 * - `compareValues`: a type's plain order (numbers numerically, text by code point, which is
 *   UTF-8 byte order, days chronologically, false before true). Clustering and tuple bounds use it.
 * - `compareSerialized`: unsigned comparison of the serialized bytes. Cassandra breaks a tie between
 *   two cells with the same write time with it (the greater wins), so a negative double or bigint,
 *   whose first byte has the sign bit set, beats every positive one.
 */
import type { LogicalKind } from '../../schemas/columns.js';

function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) sort after every BMP code point in UTF-8.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return compareCodePoints(JSON.stringify(a), JSON.stringify(b));
}

/** Lexicographic over a tuple's length; a shorter tuple compares only its prefix. */
export function compareTuple(values: readonly unknown[], bound: readonly unknown[]): number {
  for (let i = 0; i < bound.length; i++) {
    const c = compareValues(values[i], bound[i]);
    if (c !== 0) return c;
  }
  return 0;
}

const DAY_OFFSET = 2 ** 31;

function serialize(kind: LogicalKind, value: unknown): Uint8Array {
  switch (kind) {
    case 'double': {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, value as number);
      return new Uint8Array(view.buffer);
    }
    case 'bigint':
    case 'timestamp': {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigInt64(0, BigInt(value as number));
      return new Uint8Array(view.buffer);
    }
    case 'int': {
      const view = new DataView(new ArrayBuffer(4));
      view.setInt32(0, value as number);
      return new Uint8Array(view.buffer);
    }
    case 'date': {
      // CQL date: unsigned days since the epoch, centred on 2^31.
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, Date.parse(`${value as string}T00:00:00Z`) / 86_400_000 + DAY_OFFSET);
      return new Uint8Array(view.buffer);
    }
    case 'boolean':
      return Uint8Array.of(value ? 1 : 0);
    case 'text':
      return new TextEncoder().encode(value as string);
    case 'text-list':
      // Not a single cell in Cassandra (no view table has a list); compared as its JSON text.
      return new TextEncoder().encode(JSON.stringify(value));
  }
}

export function compareSerialized(kind: LogicalKind, a: unknown, b: unknown): number {
  const x = serialize(kind, a);
  const y = serialize(kind, b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
