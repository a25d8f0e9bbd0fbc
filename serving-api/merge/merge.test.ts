import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import type { MinuteFigures } from './bucket-aggregate.js';
import { goldReadRange, type MergeInput, mergeSeries, speedReadRange } from './merge.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const B = T0 + 12 * HOUR_MS; // the boundary: gold covers everything before 12:00

/** A minute with `tweets` tweets of compound `compound` each (all positive) and a price. */
function minute(at: number, tweets: number, compound = 0.5, price = 100): MinuteFigures {
  return {
    minute: at,
    tweet_count: tweets,
    positive_count: tweets,
    neutral_count: 0,
    negative_count: 0,
    compound_sum: tweets * compound,
    tick_count: 1,
    open_price: price,
    high_price: price + 1,
    low_price: price - 1,
    close_price: price + 0.5,
    volume: 10,
    final: true,
  };
}

/** One minute row per minute of [from, to) with `tweets` each. */
function minutes(from: number, to: number, tweets: number, compound = 0.5): MinuteFigures[] {
  const rows: MinuteFigures[] = [];
  for (let t = from; t < to; t += MINUTE_MS) rows.push(minute(t, tweets, compound));
  return rows;
}

// Gold and speed both hold the whole day, with different counts, so a bucket's count says its source.
const gold = minutes(T0, T0 + DAY_MS, 1);
const speed = minutes(T0, T0 + DAY_MS, 2);

const base: MergeInput = {
  intervalMs: HOUR_MS,
  from: B - 3 * HOUR_MS,
  to: B + 3 * HOUR_MS,
  boundary: B,
  speedFrom: T0,
  gold,
  speed,
};

const sources = (input: MergeInput) => mergeSeries(input).buckets.map((b) => b.source);
const tweets = (input: MergeInput) => mergeSeries(input).buckets.map((b) => b.aggregate.tweets);

describe('the batch/speed merge', () => {
  it('answers a range straddling the boundary with gold before it and the speed view after it, both parts present', () => {
    const series = mergeSeries(base);
    expect(series.buckets.map((b) => new Date(b.aggregate.start).toISOString().slice(11, 16))).toEqual([
      '09:00',
      '10:00',
      '11:00',
      '12:00',
      '13:00',
      '14:00',
    ]);
    expect(sources(base)).toEqual(['batch', 'batch', 'batch', 'speed', 'speed', 'speed']);
    // 60 gold minutes of 1 tweet, 60 speed minutes of 2: no bucket summed from both.
    expect(tweets(base)).toEqual([60, 60, 60, 120, 120, 120]);
    expect(series.gaps).toEqual([]);
  });

  it('answers a range wholly before the boundary from gold only', () => {
    const input = { ...base, from: B - 6 * HOUR_MS, to: B };
    expect(new Set(sources(input))).toEqual(new Set(['batch']));
    expect(tweets(input)).toEqual([60, 60, 60, 60, 60, 60]);
  });

  it('answers a range wholly after the boundary from the speed view only', () => {
    const input = { ...base, from: B, to: B + 2 * HOUR_MS, intervalMs: 5 * MINUTE_MS };
    expect(new Set(sources(input))).toEqual(new Set(['speed']));
    expect(tweets(input)).toEqual(Array(24).fill(10));
  });

  it('leaves buckets after the boundary out when the speed view is empty, without calling them gaps', () => {
    const series = mergeSeries({ ...base, speed: [] });
    expect(series.buckets.map((b) => b.source)).toEqual(['batch', 'batch', 'batch']);
    expect(series.gaps).toEqual([]);
  });

  it('answers everything from the speed view when there is no batch run yet, ignoring gold', () => {
    const input = { ...base, boundary: null };
    expect(sources(input)).toEqual(Array(6).fill('speed'));
    expect(tweets(input)).toEqual(Array(6).fill(120));
  });

  it('moves buckets from speed to batch when a run lands between two requests, counting each once', () => {
    const before = mergeSeries(base);
    const after = mergeSeries({ ...base, boundary: B + 2 * HOUR_MS });
    expect(before.buckets.map((b) => b.source)).toEqual([
      'batch',
      'batch',
      'batch',
      'speed',
      'speed',
      'speed',
    ]);
    expect(after.buckets.map((b) => b.source)).toEqual([
      'batch',
      'batch',
      'batch',
      'batch',
      'batch',
      'speed',
    ]);
    expect(after.buckets.map((b) => b.aggregate.tweets)).toEqual([60, 60, 60, 60, 60, 120]);
  });

  it('reports the range neither view holds as one gap, never as zero tweets', () => {
    // The batch stopped at 12:00; the speed view only holds from 15:00 on.
    const input = { ...base, to: B + 6 * HOUR_MS, speedFrom: B + 3 * HOUR_MS };
    const series = mergeSeries(input);
    expect(series.gaps).toEqual([{ from: B, to: B + 3 * HOUR_MS, reason: expect.stringMatching(/TTL/) }]);
    expect(series.buckets.map((b) => [b.source, new Date(b.aggregate.start).getUTCHours()])).toEqual([
      ['batch', 9],
      ['batch', 10],
      ['batch', 11],
      ['speed', 15],
      ['speed', 16],
      ['speed', 17],
    ]);
  });

  it('calls the part the speed view no longer holds a gap when there is no batch run at all', () => {
    const series = mergeSeries({ ...base, boundary: null, speedFrom: B });
    expect(series.gaps).toEqual([
      { from: B - 3 * HOUR_MS, to: B, reason: expect.stringMatching(/no batch run/) },
    ]);
    expect(series.buckets.every((b) => b.source === 'speed')).toBe(true);
  });

  it('answers a day straddling the boundary from the speed view while it holds the whole day', () => {
    const series = mergeSeries({ ...base, intervalMs: DAY_MS, from: T0, to: T0 + DAY_MS });
    expect(series.buckets).toHaveLength(1);
    expect(series.buckets[0]?.source).toBe('speed');
    expect(series.buckets[0]?.aggregate.tweets).toBe(2 * 1440);
    expect(series.buckets[0]?.coveredUntil).toBeUndefined();
  });

  it('re-aggregates a straddling day from gold minutes before the boundary, by sums and counts, once the speed view lost its start', () => {
    // Hour 0 has 10 tweets a minute at compound 0.9, the other hours 1 a minute at 0.1: the mean
    // of hourly means would be (0.9 + 11 × 0.1) / 12 ≈ 0.167; the mean of the tweets is not.
    const skewed = [...minutes(T0, T0 + HOUR_MS, 10, 0.9), ...minutes(T0 + HOUR_MS, T0 + DAY_MS, 1, 0.1)];
    const series = mergeSeries({
      ...base,
      intervalMs: DAY_MS,
      from: T0,
      to: T0 + DAY_MS,
      gold: skewed,
      speedFrom: T0 + 6 * HOUR_MS,
    });
    const day = series.buckets[0];
    expect(day?.source).toBe('batch');
    expect(day?.coveredUntil).toBe(B);
    // Only the minutes before the boundary: 600 + 11 × 60.
    expect(day?.aggregate.tweets).toBe(600 + 660);
    expect((day?.aggregate.compoundSum ?? 0) / (day?.aggregate.tweets ?? 1)).toBeCloseTo(
      (600 * 0.9 + 660 * 0.1) / 1260,
      12,
    );
    expect(series.gaps).toEqual([]);
  });

  it('keeps the first open and the last close of a bucket by minute, whatever order rows come in', () => {
    const rows = [
      minute(B + 2 * MINUTE_MS, 1, 0, 103),
      minute(B, 1, 0, 101),
      minute(B + MINUTE_MS, 1, 0, 102),
    ];
    const series = mergeSeries({ ...base, from: B, to: B + HOUR_MS, speed: rows });
    expect(series.buckets[0]?.aggregate.open?.price).toBe(101);
    expect(series.buckets[0]?.aggregate.close?.price).toBe(103.5);
    expect(series.buckets[0]?.aggregate.high).toBe(104);
    expect(series.buckets[0]?.aggregate.low).toBe(100);
  });

  it('marks a speed bucket not final while one of its minutes is still open', () => {
    const rows = [minute(B, 1), { ...minute(B + MINUTE_MS, 1), final: false }];
    const series = mergeSeries({ ...base, from: B, to: B + HOUR_MS, speed: rows });
    expect(series.buckets[0]?.aggregate.final).toBe(false);
  });

  it('gives every bucket from exactly one view, with exactly that view’s minutes (any boundary, TTL, interval)', () => {
    const interval = fc.constantFrom(MINUTE_MS, 5 * MINUTE_MS, HOUR_MS, DAY_MS);
    fc.assert(
      fc.property(
        interval,
        fc.option(fc.integer({ min: 0, max: 48 }), { nil: null }),
        fc.integer({ min: 0, max: 48 * 60 }),
        (intervalMs, boundaryHour, speedFromMinute) => {
          const boundary = boundaryHour === null ? null : T0 - DAY_MS + boundaryHour * HOUR_MS;
          const speedFrom = T0 - DAY_MS + speedFromMinute * MINUTE_MS;
          const g = minutes(T0 - DAY_MS, T0 + DAY_MS, 1).filter(
            (r) => boundary !== null && r.minute < boundary,
          );
          const s = minutes(Math.ceil(speedFrom / MINUTE_MS) * MINUTE_MS, T0 + DAY_MS, 2);
          const from = T0 - DAY_MS;
          const to = T0 + DAY_MS;
          const series = mergeSeries({ intervalMs, from, to, boundary, speedFrom, gold: g, speed: s });
          const seen = new Set<number>();
          for (const bucket of series.buckets) {
            const start = bucket.aggregate.start;
            expect(seen.has(start)).toBe(false);
            seen.add(start);
            const end = start + intervalMs;
            const side = bucket.source === 'batch' ? g : s;
            const expected = side
              .filter((r) => r.minute >= start && r.minute < end)
              .reduce((n, r) => n + r.tweet_count, 0);
            expect(bucket.aggregate.tweets).toBe(expected);
            if (bucket.source === 'speed') expect(start).toBeGreaterThanOrEqual(speedFrom);
            if (bucket.source === 'batch') expect(boundary !== null && start < boundary).toBe(true);
          }
          // Gaps and buckets never overlap, and a gap is only where neither view holds the bucket.
          for (const gap of series.gaps) {
            for (const start of seen) expect(start >= gap.to || start + intervalMs <= gap.from).toBe(true);
            expect(gap.from).toBeGreaterThanOrEqual(boundary ?? Number.NEGATIVE_INFINITY);
            expect(gap.from).toBeLessThan(speedFrom);
          }
          // Only the rows it may use are worth reading.
          const sr = speedReadRange({ intervalMs, from, to, boundary, speedFrom });
          const gr = goldReadRange({ from, to, boundary });
          const narrowed = mergeSeries({
            intervalMs,
            from,
            to,
            boundary,
            speedFrom,
            gold: g.filter((r) => r.minute >= gr.from && r.minute < gr.to),
            speed: s.filter((r) => r.minute >= sr.from && r.minute < sr.to),
          });
          expect(narrowed).toEqual(series);
        },
      ),
      { numRuns: 200 },
    );
  });
});
