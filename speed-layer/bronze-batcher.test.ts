import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBronzeObjectKey } from '../schemas/lake.js';
import type { BronzeTickRow, BronzeTweetRow } from '../schemas/rows.js';
import { DAY_MS, utcDay } from '../schemas/time.js';
import {
  BronzeBatcher,
  type BronzeBatcherOptions,
  type BronzeRow,
  type ClosedBronzeObject,
} from './bronze-batcher.js';

const T0 = Date.UTC(2025, 0, 6, 14, 30);
const MIN = 60_000;
const options: BronzeBatcherOptions<BronzeRow[]> = {
  dataset: 'tweets',
  partition: 1,
  maxRows: 1000,
  maxSpanMs: 10 * MIN,
  maxAgeMs: 10 * MIN,
  newRows: () => [],
};

function tweet(offset: number, createdAt: number): BronzeTweetRow {
  return {
    id: String(offset),
    created_at: createdAt,
    text: `$AAPL ${offset}`,
    user_id: 'u',
    symbols: ['AAPL'],
    compound: 0,
    pos: 0,
    neu: 1,
    neg: 0,
    label: 'neutral',
    source_partition: 1,
    source_offset: offset,
    ingested_at: createdAt,
  };
}

const offsetsOf = (o: ClosedBronzeObject) => o.rows.map((r) => r.source_offset);

describe('BronzeBatcher', () => {
  it('closes an object at maxRows rows, named by its partition and first and last offsets', () => {
    const batcher = new BronzeBatcher({ ...options, maxRows: 3 });
    expect(batcher.add(tweet(10, T0), T0)).toEqual([]);
    expect(batcher.add(tweet(11, T0), T0)).toEqual([]);
    const [closed, ...rest] = batcher.add(tweet(12, T0), T0);
    expect(rest).toEqual([]);
    expect(closed?.key).toBe(
      'bronze/tweets/date=2025-01-06/tweets-p1-00000000000000000010-00000000000000000012.parquet',
    );
    expect(closed && offsetsOf(closed)).toEqual([10, 11, 12]);
    expect(batcher.lowestOpenOffset()).toBe(13);
  });

  it('closes before a row that would stretch the event-time span past maxSpanMs, late rows included', () => {
    const batcher = new BronzeBatcher(options);
    batcher.add(tweet(0, T0), T0);
    batcher.add(tweet(1, T0 + 10 * MIN), T0); // span exactly maxSpanMs: still one object
    const late = batcher.add(tweet(2, T0 - 1), T0); // stretches the span on the early side
    expect(late.map(offsetsOf)).toEqual([[0, 1]]);
    batcher.add(tweet(3, T0 + 5 * MIN), T0);
    const ahead = batcher.add(tweet(4, T0 + 10 * MIN), T0);
    expect(ahead.map(offsetsOf)).toEqual([[2, 3]]);
  });

  it("names each object by its first row's UTC day: a later day cuts, an earlier (late) one joins", () => {
    const midnight = Date.UTC(2025, 0, 7);
    const batcher = new BronzeBatcher(options);
    const closed = [
      ...batcher.add(tweet(0, midnight - 2), midnight),
      ...batcher.add(tweet(1, midnight - 5), midnight),
      ...batcher.add(tweet(2, midnight + 1), midnight), // the new day: cuts
      ...batcher.add(tweet(3, midnight - 1), midnight), // jittered back across midnight: joins
      ...batcher.add(tweet(4, midnight + 3), midnight),
      ...batcher.add(tweet(5, midnight - 2 * MIN), midnight), // late: joins
      ...batcher.flush(),
    ];
    expect(closed.map((o) => [o.day, offsetsOf(o)])).toEqual([
      ['2025-01-06', [0, 1]],
      ['2025-01-07', [2, 3, 4, 5]],
    ]);
    expect(closed.map((o) => parseBronzeObjectKey(o.key)?.day)).toEqual(closed.map((o) => o.day));
  });

  it('closes an object open maxAgeMs of processing time, on the next message or on a tick', () => {
    const batcher = new BronzeBatcher(options);
    batcher.add(tweet(0, T0), 1_000);
    expect(batcher.tick(1_000 + options.maxAgeMs - 1)).toEqual([]);
    expect(batcher.tick(1_000 + options.maxAgeMs).map(offsetsOf)).toEqual([[0]]);
    batcher.add(tweet(1, T0), 50_000);
    const closed = batcher.add(tweet(2, T0), 50_000 + options.maxAgeMs);
    expect(closed.map(offsetsOf)).toEqual([[1]]);
    expect(batcher.lowestOpenOffset()).toBe(2);
  });

  it('covers dead-lettered offsets with the open object, so its offset range has no hole', () => {
    const batcher = new BronzeBatcher(options);
    batcher.skip(0, T0); // nothing open: covered by no object, nothing to write
    expect(batcher.lowestOpenOffset()).toBe(1);
    batcher.add(tweet(1, T0), T0);
    batcher.skip(2, T0);
    batcher.add(tweet(3, T0), T0);
    batcher.skip(4, T0);
    expect(batcher.lowestOpenOffset()).toBe(1);
    const [closed] = batcher.flush();
    expect(closed && [closed.firstOffset, closed.lastOffset, offsetsOf(closed)]).toEqual([1, 4, [1, 3]]);
    expect(batcher.lowestOpenOffset()).toBe(5);
  });

  it('reports the first offset not in a closed object, for the runner to commit up to', () => {
    const batcher = new BronzeBatcher({ ...options, maxRows: 2 });
    expect(batcher.lowestOpenOffset()).toBeUndefined();
    batcher.add(tweet(7, T0), T0);
    expect(batcher.lowestOpenOffset()).toBe(7);
    batcher.add(tweet(8, T0), T0);
    expect(batcher.lowestOpenOffset()).toBe(9);
  });

  it('refuses offsets that do not move forward, rows of another partition and rows without an event time', () => {
    const batcher = new BronzeBatcher(options);
    batcher.add(tweet(5, T0), T0);
    expect(() => batcher.add(tweet(5, T0), T0)).toThrow(/must increase/);
    expect(() => batcher.skip(4, T0)).toThrow(/must increase/);
    expect(() => batcher.add({ ...tweet(6, T0), source_partition: 0 }, T0)).toThrow(/partition 0/);
    expect(() => batcher.add({ ...tweet(6, T0), created_at: Number.NaN }, T0)).toThrow(/epoch-ms created_at/);
    expect(batcher.lowestOpenOffset()).toBe(5); // refused rows change nothing
  });

  it('splits ticks by trade_timestamp', () => {
    const tick = (offset: number, at: number): BronzeTickRow => ({
      symbol: 'BTC',
      trade_timestamp: at,
      open_price: 1,
      high_price: 1,
      low_price: 1,
      close_price: 1,
      volume: 1,
      source_partition: 0,
      source_offset: offset,
      ingested_at: T0,
    });
    const batcher = new BronzeBatcher<BronzeTickRow>({
      ...options,
      dataset: 'stock_prices',
      partition: 0,
      newRows: () => [],
    });
    batcher.add(tick(0, T0), T0);
    const [closed] = batcher.add(tick(1, T0 + 11 * MIN), T0);
    expect(closed?.key).toMatch(/^bronze\/stock_prices\/date=2025-01-06\/stock_prices-p0-0+-0+\.parquet$/);
  });

  it('after resumeAfter, a replay that cuts elsewhere by age puts no offset in two objects', () => {
    const feed = Array.from({ length: 30 }, (_, i) => tweet(100 + i, T0 + i * 1000));
    // First run: the age rule cuts after offset 114; that object is written, then the process dies
    // before committing, so the group restarts from offset 100.
    const first = new BronzeBatcher(options);
    const lake: ClosedBronzeObject[] = [];
    feed.slice(0, 16).forEach((row, i) => {
      lake.push(...first.add(row, i <= 14 ? 0 : options.maxAgeMs));
    });
    expect(lake.map((o) => [o.firstOffset, o.lastOffset])).toEqual([[100, 114]]);

    // Replay at a different processing pace: the age rule no longer cuts at 114.
    const second = new BronzeBatcher(options);
    second.resumeAfter(114);
    expect(second.lowestOpenOffset()).toBe(115);
    lake.push(...feed.flatMap((row) => second.add(row, 0)), ...second.flush());
    const offsets = lake.flatMap((o) => offsetsOf(o));
    expect(offsets).toEqual(feed.map((r) => r.source_offset)); // each once, in order
    expect(lake.map((o) => [o.firstOffset, o.lastOffset])).toEqual([
      [100, 114],
      [115, 129],
    ]);
  });

  it('holds its guarantees on any feed: one object per offset, contiguous ranges, one day, bounded span and rows', () => {
    type Event =
      | { kind: 'row'; offset: number; at: number }
      | { kind: 'skip'; offset: number }
      | { kind: 'wait'; ms: number };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('row' as const), dt: fc.integer({ min: -3 * MIN, max: 4 * MIN }) }),
      fc.record({ kind: fc.constant('skip' as const) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 6 * MIN }) }),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 200 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 15 * MIN }),
        (steps, maxRows, maxSpanMs) => {
          const opts = { ...options, maxRows, maxSpanMs };
          // Event times start near midnight so that day cuts happen too.
          let offset = 0;
          let at = Date.UTC(2025, 0, 6, 23, 50);
          const events: Event[] = steps.map((s) => {
            if (s.kind === 'wait') return s;
            if (s.kind === 'skip') return { kind: 'skip', offset: offset++ };
            at += s.dt;
            return { kind: 'row', offset: offset++, at };
          });
          const run = (fromOffset: number, withAge: boolean) => {
            const batcher = new BronzeBatcher<BronzeTweetRow>({ ...opts, newRows: () => [] });
            const closed: ClosedBronzeObject<BronzeTweetRow[]>[] = [];
            let now = 0;
            for (const e of events) {
              if (e.kind === 'wait') {
                if (withAge) now += e.ms;
                closed.push(...batcher.tick(now));
              } else if (e.offset >= fromOffset) {
                closed.push(
                  ...(e.kind === 'skip'
                    ? batcher.skip(e.offset, now)
                    : batcher.add(tweet(e.offset, e.at), now)),
                );
              }
            }
            return [...closed, ...batcher.flush()];
          };
          const skipped = new Set(events.flatMap((e) => (e.kind === 'skip' ? [e.offset] : [])));
          const closed = run(0, true);
          expect(closed.flatMap(offsetsOf)).toEqual(
            events.flatMap((e) => (e.kind === 'row' ? [e.offset] : [])),
          );
          let previousLast = -1;
          for (const o of closed) {
            expect(o.firstOffset).toBeGreaterThan(previousLast);
            previousLast = o.lastOffset;
            const rows = new Set(offsetsOf(o));
            for (let x = o.firstOffset; x <= o.lastOffset; x++)
              expect(rows.has(x) || skipped.has(x)).toBe(true);
            expect(rows.size).toBeGreaterThan(0);
            expect(rows.size).toBeLessThanOrEqual(maxRows);
            const times = o.rows.map((r) => r.created_at);
            expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(maxSpanMs);
            // Rows of its day, or of the day before from at most maxSpanMs before midnight.
            const midnight = Date.parse(`${o.day}T00:00:00Z`);
            expect(utcDay(o.rows[0]?.created_at as number)).toBe(o.day);
            for (const t of times) expect(t >= midnight - maxSpanMs && t < midnight + DAY_MS).toBe(true);
            expect(parseBronzeObjectKey(o.key)).toMatchObject({
              firstOffset: o.firstOffset,
              lastOffset: o.lastOffset,
            });
          }
          // Without the wall-clock rule the cuts are a function of the records: a replay from any
          // object's first offset (where a commit may have stopped) names the same objects after it.
          const keys = run(0, false).map((o) => o.key);
          const cuts = run(0, false);
          const restart = cuts[Math.floor(cuts.length / 2)];
          if (restart) {
            expect(run(restart.firstOffset, false).map((o) => o.key)).toEqual(
              keys.slice(cuts.indexOf(restart)),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
