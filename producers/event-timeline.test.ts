import { describe, expect, it } from 'vitest';
import { DEFAULT_WATERMARK_DELAY_MS, EventTimeline, type EventTimelineOptions } from './event-timeline.js';
import { Random } from './random.js';

const base: EventTimelineOptions = { clock: 'virtual', ratePerSecond: 100, jitterMs: 3000, lateRatio: 0.05 };

/** Event times of n events and how many of them a consumer's watermark (max seen - 2 min) calls late. */
function run(options: EventTimelineOptions, n: number) {
  const timeline = new EventTimeline(options, new Random(3));
  let maxSeen = Number.NEGATIVE_INFINITY;
  let late = 0;
  let outOfOrder = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const { eventTime } = timeline.next();
    if (eventTime < maxSeen - DEFAULT_WATERMARK_DELAY_MS) late++;
    if (eventTime < previous) outOfOrder++;
    previous = eventTime;
    maxSeen = Math.max(maxSeen, eventTime);
  }
  return { late, outOfOrder };
}

describe('event timeline', () => {
  it('gives no late events with a late ratio of 0, even with jitter', () => {
    expect(run({ ...base, lateRatio: 0, jitterMs: DEFAULT_WATERMARK_DELAY_MS }, 20_000).late).toBe(0);
  });

  it('makes about the requested share of events late by the watermark rule', () => {
    const n = 40_000;
    const { late } = run({ ...base, lateRatio: 0.05 }, n);
    expect(late / n).toBeGreaterThan(0.045);
    expect(late / n).toBeLessThan(0.055);
  });

  it('makes the stream out of order when the jitter exceeds the spacing', () => {
    expect(run({ ...base, lateRatio: 0 }, 5000).outOfOrder).toBeGreaterThan(1000);
    expect(run({ ...base, lateRatio: 0, jitterMs: 0 }, 5000).outOfOrder).toBe(0);
  });

  it('steps the virtual clock 1/rate from the start time', () => {
    const timeline = new EventTimeline(
      { ...base, jitterMs: 0, lateRatio: 0, startMs: 1_000_000, ratePerSecond: 4 },
      new Random(1),
    );
    expect([0, 1, 2, 3, 4].map(() => timeline.next().eventTime)).toEqual([
      1_000_000, 1_000_250, 1_000_500, 1_000_750, 1_001_000,
    ]);
  });

  it('reads the given clock in real-time mode', () => {
    let now = 5000;
    const timeline = new EventTimeline(
      { ...base, clock: 'real', jitterMs: 0, lateRatio: 0, now: () => now },
      new Random(1),
    );
    expect(timeline.next().eventTime).toBe(5000);
    now = 9000;
    expect(timeline.next().eventTime).toBe(9000);
  });

  it('refuses a jitter beyond the watermark delay, which would make on-time events late', () => {
    expect(
      () => new EventTimeline({ ...base, jitterMs: DEFAULT_WATERMARK_DELAY_MS + 1 }, new Random(1)),
    ).toThrow(/jitter/);
  });
});
