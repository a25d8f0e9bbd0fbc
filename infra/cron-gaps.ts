/**
 * How long a cron schedule can leave between two runs, found with croner's own next-run search
 * (so it agrees with the scheduler), over a sample window. Used to check that the speed view's
 * TTL outlasts the batch schedule.
 */
import { Cron } from 'croner';

export interface CronGap {
  /** The gap; Infinity when the schedule never runs again. */
  gapMs: number;
  /** Where it starts: a run, or the start of the sample. */
  after: Date;
}

/** One year of runs covers every pattern but leap-day ones, whose gap still shows (it crosses the end). */
export const CRON_SAMPLE_MS = 366 * 24 * 3_600_000;
/** Bounds the start-up cost for schedules much denser than the limit (about 10 µs a look-up). */
const MAX_LOOKUPS = 20_000;

/**
 * The longest gap between consecutive runs of `pattern` that exceeds `limitMs`, or undefined when
 * every gap in the sample is within it. The start of the sample counts as a run, so a schedule
 * whose first run is further than `limitMs` away is reported too. Gaps within the limit are
 * skipped in jumps of half the limit, so the cost grows with the sample over the limit, not with
 * the number of runs.
 */
export function longestGapBeyond(
  pattern: string,
  limitMs: number,
  fromMs: number,
  sampleMs = CRON_SAMPLE_MS,
): CronGap | undefined {
  const cron = new Cron(pattern, { paused: true });
  let lookups = 0;
  const next = (t: number): number => {
    lookups++;
    return cron.nextRun(new Date(t))?.getTime() ?? Number.POSITIVE_INFINITY;
  };
  let worst: CronGap | undefined;
  const note = (start: number, end: number) => {
    if (end - start > limitMs && (!worst || end - start > worst.gapMs))
      worst = { gapMs: end - start, after: new Date(start) };
  };
  // Runs fall on whole seconds, so jumps of at least a second lose nothing but 1 s gaps.
  const jumpMs = Math.max(limitMs, 1000);
  const half = Math.floor(jumpMs / 2);
  const end = fromMs + sampleMs;
  let p = fromMs; // a run (or the sample's start)
  while (p < end && lookups < MAX_LOOKUPS) {
    const r = next(p + half);
    if (r <= p + jumpMs) {
      p = r; // every run in [p, r] is within jumpMs of the next
      continue;
    }
    // No run in (p + half, p + jumpMs]: the gap that matters ends at r and starts at the last run
    // at or before p + half, found by bisection.
    if (next(p) > p + half) {
      note(p, r);
    } else {
      let lo = 0;
      let hi = half;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2);
        if (next(p + mid) <= p + half) lo = mid;
        else hi = mid;
      }
      note(next(p + lo), r);
    }
    if (!Number.isFinite(r)) break;
    p = r;
  }
  // Below a second every gap is too long, the 1 s ones that the jumps skipped included.
  if (!worst && limitMs < 1000) {
    const first = next(fromMs);
    note(first, next(first));
  }
  return worst;
}
