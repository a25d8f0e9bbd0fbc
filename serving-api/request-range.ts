/**
 * A request's time range: parsed, defaulted, checked and aligned to its interval, or a 400 naming
 * the parameter. The schema has already checked each value's form (date-time, the interval's
 * values); what it cannot say (from before to, the range's width) is checked here.
 */
import { parseEventTime, windowStart } from '../schemas/time.js';
import { BadParameterError } from './errors.js';

export interface RangeRequest {
  from?: string | undefined;
  to?: string | undefined;
}

export interface RangeRules {
  intervalMs: number;
  /** `to − from` at most (before alignment). */
  maxRangeMs: number;
  /** The range when `from` is left out: this much before `to`. */
  defaultSpanMs: number;
  /** Named in the message when the range is too wide, e.g. `interval 1m`. */
  describeLimit: string;
}

export interface AlignedRange {
  from: number;
  to: number;
}

// Times the views can hold: from the epoch to the last instant of year 9999.
const EARLIEST = 0;
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

function instant(parameter: string, text: string): number {
  const at = parseEventTime(text);
  if (at === undefined)
    throw new BadParameterError(parameter, `not an ISO-8601 time: ${JSON.stringify(text)}`);
  if (at < EARLIEST || at > LATEST)
    throw new BadParameterError(parameter, 'must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z');
  return at;
}

export function resolveRange(request: RangeRequest, rules: RangeRules, now: number): AlignedRange {
  const given = request.from === undefined ? undefined : instant('from', request.from);
  const to = request.to === undefined ? now : instant('to', request.to);
  const from = given ?? Math.max(EARLIEST, to - rules.defaultSpanMs);
  if (from >= to) throw new BadParameterError('from', 'must be before to');
  if (to - from > rules.maxRangeMs)
    throw new BadParameterError(
      'from',
      `the range from..to is wider than ${rules.maxRangeMs / 86_400_000} days, the most for ${rules.describeLimit}`,
    );
  const alignedFrom = windowStart(from, rules.intervalMs);
  const end = windowStart(to, rules.intervalMs);
  return { from: alignedFrom, to: end === to ? end : end + rules.intervalMs };
}
