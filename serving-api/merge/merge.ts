/**
 * The merge of the batch view and the speed view at the batch horizon: a pure function of the
 * boundary, the gold rows and the speed rows, so the same inputs always give the same series
 * (docs/ARCHITECTURE.md, Merge rules).
 *
 * Per bucket [start, end) of the grid:
 *  - end ≤ boundary: gold (the batch covers it whole);
 *  - start ≥ boundary: the speed view, when it still holds the whole bucket (start ≥ speedFrom);
 *    otherwise neither view holds it: a gap, never zero tweets;
 *  - start < boundary < end (only 1d buckets: the boundary is a whole hour): the speed view while
 *    it still holds the bucket's start, else gold's minutes before the boundary, re-aggregated from
 *    sums and counts and marked with `coveredUntil`.
 * A bucket is atomic: it comes from one view only and is never summed from both, so nothing is
 * counted twice at the seam. Gold rows must only be minutes before the boundary: gold holds later
 * rows too (a run computes today), but only the horizon says what is complete.
 */
import { type BucketAggregate, foldBuckets, type MinuteFigures } from './bucket-aggregate.js';

export type BucketSource = 'batch' | 'speed';

export interface MergeInput {
  intervalMs: number;
  /** Grid start, aligned to the interval. */
  from: number;
  /** Grid end, exclusive, aligned to the interval. */
  to: number;
  /** The latest complete run's horizon; null when there is no run yet or it covers nothing. */
  boundary: number | null;
  /** The earliest instant from which the speed view still holds every row (its TTL). */
  speedFrom: number;
  gold: Iterable<MinuteFigures>;
  speed: Iterable<MinuteFigures>;
}

export interface MergedBucket {
  source: BucketSource;
  aggregate: BucketAggregate;
  /** Set on a gold bucket that straddles the boundary: its figures stop here. */
  coveredUntil?: number;
}

export interface SeriesGap {
  from: number;
  to: number;
  reason: string;
}

export interface MergedSeries {
  buckets: MergedBucket[];
  gaps: SeriesGap[];
}

type Decision = { take: BucketSource; coveredUntil?: number } | { take: 'gap' };

function decide(start: number, end: number, boundary: number | null, speedFrom: number): Decision {
  if (boundary !== null && end <= boundary) return { take: 'batch' };
  const speedHoldsIt = start >= speedFrom;
  if (boundary !== null && start < boundary) {
    return speedHoldsIt ? { take: 'speed' } : { take: 'batch', coveredUntil: boundary };
  }
  return speedHoldsIt ? { take: 'speed' } : { take: 'gap' };
}

export function mergeSeries(input: MergeInput): MergedSeries {
  const { intervalMs, from, to, boundary, speedFrom } = input;
  if (from % intervalMs !== 0 || to % intervalMs !== 0 || to < from)
    throw new Error('mergeSeries: from and to must be aligned to the interval, from ≤ to');
  const gold = foldBuckets(
    [...input.gold].filter((r) => boundary !== null && r.minute < boundary),
    intervalMs,
  );
  const speed = foldBuckets(input.speed, intervalMs);
  const buckets: MergedBucket[] = [];
  const gaps: SeriesGap[] = [];
  const reason =
    boundary === null
      ? 'no batch run covers it yet and the speed view no longer holds it'
      : 'after the batch horizon and older than the speed view holds (the batch is behind by more than the speed view TTL)';
  for (let start = from; start < to; start += intervalMs) {
    const decision = decide(start, start + intervalMs, boundary, speedFrom);
    if (decision.take === 'gap') {
      const last = gaps[gaps.length - 1];
      if (last && last.to === start) last.to = start + intervalMs;
      else gaps.push({ from: start, to: start + intervalMs, reason });
      continue;
    }
    const aggregate = (decision.take === 'batch' ? gold : speed).get(start);
    // A covered bucket without rows had no tweets and no ticks.
    if (!aggregate) continue;
    buckets.push({
      source: decision.take,
      aggregate,
      ...(decision.coveredUntil !== undefined ? { coveredUntil: decision.coveredUntil } : {}),
    });
  }
  return { buckets, gaps };
}

/** The range of speed rows a merge over [from, to) can use: the rest would be thrown away. */
export function speedReadRange(
  input: Pick<MergeInput, 'intervalMs' | 'from' | 'to' | 'boundary' | 'speedFrom'>,
): {
  from: number;
  to: number;
} {
  const { intervalMs, from, to, boundary, speedFrom } = input;
  let start = from;
  // Buckets ending at or before the boundary come from gold.
  if (boundary !== null)
    start = Math.max(start, boundary - (((boundary % intervalMs) + intervalMs) % intervalMs));
  // Buckets starting before speedFrom are never answered from the speed view.
  start = Math.max(start, Math.ceil(speedFrom / intervalMs) * intervalMs);
  return { from: Math.min(start, to), to };
}

/** The gold rows a merge over [from, to) can use: minutes before the boundary. */
export function goldReadRange(input: Pick<MergeInput, 'from' | 'to' | 'boundary'>): {
  from: number;
  to: number;
} {
  const { from, to, boundary } = input;
  if (boundary === null) return { from, to: from };
  return { from, to: Math.max(from, Math.min(to, boundary)) };
}
