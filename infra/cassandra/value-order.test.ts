import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcile } from './memory-view-store.js';
import { compareSerialized, compareTuple, compareValues } from './value-order.js';

describe('compareValues: the plain order of clustering values', () => {
  it('orders text by code point (UTF-8 byte order), astral characters after every BMP one', () => {
    expect(compareValues('a', 'b')).toBeLessThan(0);
    expect(compareValues('B', 'a')).toBeLessThan(0);
    // UTF-16 would put the surrogate pair of 😀 (U+1F600) before U+FF5E.
    expect(compareValues('😀', '～')).toBeGreaterThan(0);
    expect(compareValues('ab', 'a')).toBeGreaterThan(0);
  });

  it('compares a tuple over the bound length only', () => {
    expect(compareTuple([5, 'b'], [5])).toBe(0);
    expect(compareTuple([5, 'b'], [5, 'c'])).toBeLessThan(0);
    expect(compareTuple([6, 'a'], [5, 'z'])).toBeGreaterThan(0);
  });
});

describe('compareSerialized: Cassandra’s tie-break on equal write times', () => {
  it('puts negative doubles and bigints above positive ones (the sign bit leads)', () => {
    expect(compareSerialized('double', -1, 1)).toBeGreaterThan(0);
    expect(compareSerialized('double', 2, 1)).toBeGreaterThan(0);
    expect(compareSerialized('bigint', -1, 2 ** 40)).toBeGreaterThan(0);
    expect(compareSerialized('int', -5, 5)).toBeGreaterThan(0);
  });

  it('orders text by UTF-8 bytes, days chronologically, true above false', () => {
    expect(compareSerialized('text', 'b', 'ab')).toBeGreaterThan(0);
    expect(compareSerialized('date', '1969-12-31', '1970-01-01')).toBeLessThan(0);
    expect(compareSerialized('date', '2024-05-02', '2024-05-01')).toBeGreaterThan(0);
    expect(compareSerialized('boolean', true, false)).toBeGreaterThan(0);
  });
});

describe('reconcile', () => {
  const cell = fc.record({
    value: fc.double({ noNaN: true }),
    writeTime: fc.integer({ min: 0, max: 3 }),
    expiresAt: fc.oneof(fc.constant(Number.POSITIVE_INFINITY), fc.integer({ min: 0, max: 3 })),
  });

  it('picks the same survivor whichever cell arrives first, so replicas converge', () => {
    const compare = (a: unknown, b: unknown) => compareSerialized('double', a, b);
    fc.assert(
      fc.property(cell, cell, (a, b) => {
        expect(reconcile(compare, a, b)).toEqual(reconcile(compare, b, a));
      }),
    );
  });
});
