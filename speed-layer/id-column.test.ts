import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdColumn, splitId } from './id-column.js';

const ids = fc.oneof(
  fc.stringMatching(/^[0-9]{1,19}$/),
  fc.constantFrom(
    '0',
    '0000000000000000001',
    '9999999999999999999',
    '1876275024494706688',
    '18762750244947066880',
  ),
  fc.string({ maxLength: 25 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
);

describe('IdColumn', () => {
  it('gives back every id exactly as it was given, leading zeros and non-numeric ids included', () => {
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 50 }), (given) => {
        const column = new IdColumn(4);
        column.resize(given.length, 0);
        for (const [i, id] of given.entries()) column.set(i, id, splitId(id));
        expect(given.map((_, i) => column.get(i))).toEqual(given);
      }),
    );
  });

  it('matches an id only in the slot that holds it, ids that share all but their last digits included', () => {
    fc.assert(
      fc.property(ids, ids, (a, b) => {
        const column = new IdColumn(2);
        column.set(0, a, splitId(a));
        expect(column.matches(0, b, splitId(b))).toBe(a === b);
        expect(column.matches(0, a, splitId(a))).toBe(true);
      }),
    );
    const column = new IdColumn(1);
    column.set(0, '1876275024494706688', splitId('1876275024494706688'));
    expect(column.matches(0, '1876275025494706688', splitId('1876275025494706688'))).toBe(false);
    expect(column.matches(0, '876275024494706688', splitId('876275024494706688'))).toBe(false);
  });

  it('keeps ids through copies between columns and through resizing', () => {
    fc.assert(
      fc.property(fc.array(ids, { minLength: 1, maxLength: 40 }), (given) => {
        const a = new IdColumn(given.length);
        for (const [i, id] of given.entries()) a.set(i, id, splitId(id));
        const b = new IdColumn(given.length);
        for (let i = 0; i < given.length; i++) b.copy(a, i, given.length - 1 - i);
        b.resize(given.length * 2, given.length);
        expect(given.map((_, i) => b.get(given.length - 1 - i))).toEqual(given);
      }),
    );
  });
});
