import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idHash, RecentIds } from './dedup.js';

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const MIN = 60_000;

describe('RecentIds', () => {
  it('reports an id seen again within the watermark horizon', () => {
    const d = new RecentIds();
    expect(d.seen('a', T0, 0, T0 - 120_000)).toBe(false);
    expect(d.seen('b', T0, 1, T0 - 120_000)).toBe(false);
    expect(d.seen('a', T0, 2, T0 - 60_000)).toBe(true);
    expect(d.seen('a', T0 + 5, 3, T0)).toBe(true);
  });

  it('forgets a minute once the watermark passes its end', () => {
    const d = new RecentIds();
    d.seen('a', T0, 0, T0 - 120_000);
    expect(d.seen('a', T0 + 1_000, 1, T0 + MIN - 1)).toBe(true);
    expect(d.seen('a', T0 + 2 * MIN, 2, T0 + MIN)).toBe(false);
    expect(d.size()).toBe(1);
  });

  it('does not remember a tweet that is itself below the watermark', () => {
    const d = new RecentIds();
    expect(d.seen('a', T0, 0, T0 + 1)).toBe(false);
    expect(d.size()).toBe(0);
    expect(d.lowestOffset()).toBeUndefined();
  });

  it('keeps an old minute only as long as the watermark has not passed it, whatever the arrival order', () => {
    const d = new RecentIds();
    d.seen('future', T0 + 3_600_000, 0, T0 - 120_000);
    d.seen('old', T0, 1, T0 - 120_000);
    d.seen('x', T0 + 10 * MIN, 2, T0 + 5 * MIN);
    expect(d.size()).toBe(2);
    expect(d.seen('future', T0 + 3_600_000, 3, T0 + 5 * MIN)).toBe(true);
    expect(d.lowestOffset()).toBe(0);
  });

  it('tells the lowest offset a replay needs, and raises it as minutes are dropped', () => {
    const d = new RecentIds();
    d.seen('a', T0, 10, T0 - 120_000);
    d.seen('b', T0 + MIN, 11, T0 - 120_000);
    d.seen('c', T0 + 5, 9, T0 - 120_000);
    expect(d.lowestOffset()).toBe(9);
    d.seen('d', T0 + 3 * MIN, 12, T0 + MIN);
    expect(d.lowestOffset()).toBe(11);
  });

  it('holds a bounded number of ids over a long stream', () => {
    const d = new RecentIds();
    let max = 0;
    for (let i = 0; i < 200_000; i++) {
      const t = T0 + i * 10;
      d.seen(`t${i}`, t, i, t - 120_000);
      if (i % 1_000 === 0) max = Math.max(max, d.size());
    }
    // 10 ms apart, 120 s horizon: at most 12,000 ids plus one partial minute of 6,000.
    expect(max).toBeLessThanOrEqual(18_000);
  });

  it('agrees with a plain map of id → minute on any stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 10 * MIN })), {
          maxLength: 400,
        }),
        (events) => {
          const d = new RecentIds();
          const model = new Map<string, number>();
          let max = Number.NEGATIVE_INFINITY;
          events.forEach(([n, dt], offset) => {
            const t = T0 + dt;
            max = Math.max(max, t);
            const wm = max - 120_000;
            for (const [id, minute] of model) if (minute + MIN <= wm) model.delete(id);
            // Numeric ids (kept as numbers) and others (kept as strings) side by side, with leading
            // zeros and the 19-digit edge: "7", "07" and "0007" are three different ids.
            const ids = [
              `id-${n}`,
              String(n),
              `0${n}`,
              `000${n}`,
              `18762750244938${String(n).padStart(5, '0')}`,
              `${n}`.repeat(20),
            ];
            const id = ids[n % ids.length] as string;
            const expected = model.has(id);
            if (!expected && t >= wm) model.set(id, Math.floor(t / MIN) * MIN);
            expect(d.seen(id, t, offset, wm)).toBe(expected);
          });
          expect(d.size()).toBe(model.size);
        },
      ),
    );
  });

  it('never takes a different id with the same hash for a duplicate', () => {
    // Two ids whose hashes collide (a birthday search over 31 bits finds a pair in ~10^5 tries).
    const byHash = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const id = `tweet-${i}`;
      const other = byHash.get(idHash(id));
      if (other !== undefined) pair = [other, id];
      else byHash.set(idHash(id), id);
    }
    // And two snowflake ids, kept as numbers, that collide and share all but their last nine digits.
    const numericByHash = new Map<number, string>();
    let numericPair: [string, string] | undefined;
    for (let i = 0; !numericPair; i++) {
      const id = `1876275024${String(i).padStart(9, '0')}`;
      const other = numericByHash.get(idHash(id));
      if (other !== undefined) numericPair = [other, id];
      else numericByHash.set(idHash(id), id);
    }
    for (const [a, b] of [pair, numericPair]) {
      const d = new RecentIds();
      expect(d.seen(a, T0, 0, T0 - MIN)).toBe(false);
      expect(d.seen(b, T0, 1, T0 - MIN)).toBe(false);
      expect(d.seen(b, T0, 2, T0 - MIN)).toBe(true);
      expect(d.size()).toBe(2);
    }
  });

  it('keeps every id through many table growths', () => {
    const d = new RecentIds();
    for (let i = 0; i < 50_000; i++) expect(d.seen(`g${i}`, T0, i, T0 - MIN)).toBe(false);
    for (let i = 0; i < 50_000; i += 97) expect(d.seen(`g${i}`, T0, i, T0 - MIN)).toBe(true);
    expect(d.size()).toBe(50_000);
  });

  it('tells numeric ids apart by every digit, leading zeros included, through table growths', () => {
    const d = new RecentIds();
    const base = 1_876_275_024_493_813_000n;
    for (let i = 0n; i < 20_000n; i++) expect(d.seen(String(base + i), T0, Number(i), T0 - MIN)).toBe(false);
    for (let i = 0n; i < 20_000n; i += 7n) expect(d.seen(String(base + i), T0, 0, T0 - MIN)).toBe(true);
    // Same digits as a held id but one position off, or padded: different ids.
    expect(d.seen(String(base + 20_000n), T0, 0, T0 - MIN)).toBe(false);
    expect(d.seen(`0${base}`, T0, 0, T0 - MIN)).toBe(false);
    expect(d.seen(String(base).slice(1), T0, 0, T0 - MIN)).toBe(false);
    expect(d.seen(String(base), T0, 0, T0 - MIN)).toBe(true);
  });
});
