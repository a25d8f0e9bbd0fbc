/**
 * Event time for synthetic events. A nominal clock says when the i-th event "happens": the wall
 * clock, or with `--seed` a virtual clock stepping 1/rate from a fixed start so that output is
 * byte-identical across runs. Each event's stamped time is the nominal time minus a uniform
 * jitter (which makes the stream out of order), and a share of events is stamped older than the
 * watermark (max event time seen minus the watermark delay), i.e. late by the design's rule.
 */
import type { Random } from './random.js';

/** The design's allowed lateness (WATERMARK_DELAY default). */
export const DEFAULT_WATERMARK_DELAY_MS = 120_000;
/** Seeded runs start here unless `--start` says otherwise: a Monday at the US market open. */
export const DEFAULT_VIRTUAL_START_MS = Date.UTC(2025, 0, 6, 14, 30, 0);

export interface EventTimelineOptions {
  /** 'virtual' steps 1/rate per event from `startMs`; 'real' reads `now()`. */
  clock: 'virtual' | 'real';
  startMs?: number;
  /** Events per second of event time on the virtual clock; Infinity steps 1 ms. */
  ratePerSecond: number;
  /** Stamped time = nominal minus uniform [0, jitterMs). Must not exceed the watermark delay. */
  jitterMs: number;
  /** Share of events stamped older than the watermark, in [0, 1]. */
  lateRatio: number;
  watermarkDelayMs?: number;
  /** A late event is this much older than the watermark at most (uniform); default 60 s. */
  lateSpreadMs?: number;
  now?: () => number;
}

export interface EventStamp {
  /** When the event happened on the producer's clock (monotone). */
  nominal: number;
  /** The event time it carries (created_at / trade_timestamp). */
  eventTime: number;
  late: boolean;
}

export class EventTimeline {
  private index = 0;
  private maxStamped = Number.NEGATIVE_INFINITY;
  private readonly stepMs: number;
  private readonly startMs: number;
  private readonly watermarkDelayMs: number;
  private readonly lateSpreadMs: number;
  private readonly now: () => number;
  private readonly stamp: EventStamp = { nominal: 0, eventTime: 0, late: false };

  constructor(
    private readonly options: EventTimelineOptions,
    private readonly random: Random,
  ) {
    this.watermarkDelayMs = options.watermarkDelayMs ?? DEFAULT_WATERMARK_DELAY_MS;
    if (!(options.jitterMs >= 0) || options.jitterMs > this.watermarkDelayMs) {
      // A jitter beyond the watermark delay would make on-time events late by accident.
      throw new Error(`jitter must be between 0 and the watermark delay (${this.watermarkDelayMs} ms)`);
    }
    if (!(options.lateRatio >= 0 && options.lateRatio <= 1)) throw new Error('late ratio must be in [0, 1]');
    if (!(options.ratePerSecond > 0)) throw new Error('rate must be positive');
    this.stepMs = Number.isFinite(options.ratePerSecond) ? 1000 / options.ratePerSecond : 1;
    this.now = options.now ?? Date.now;
    this.startMs = options.startMs ?? (options.clock === 'virtual' ? DEFAULT_VIRTUAL_START_MS : this.now());
    this.lateSpreadMs = options.lateSpreadMs ?? 60_000;
  }

  /** The nominal time the next event will get (the stop condition of `--duration`). */
  peekNominal(): number {
    return this.options.clock === 'virtual'
      ? this.startMs + Math.floor(this.index * this.stepMs)
      : this.now();
  }

  get start(): number {
    return this.startMs;
  }

  /** Stamps the next event. The returned object is reused: copy what you keep. */
  next(): EventStamp {
    const nominal = this.peekNominal();
    this.index++;
    const stamp = this.stamp;
    stamp.nominal = nominal;
    // The first event cannot be late: there is no watermark yet.
    if (
      this.options.lateRatio > 0 &&
      this.maxStamped !== Number.NEGATIVE_INFINITY &&
      this.random.chance(this.options.lateRatio)
    ) {
      stamp.eventTime = Math.floor(
        this.maxStamped - this.watermarkDelayMs - 1 - this.random.next() * this.lateSpreadMs,
      );
      stamp.late = true;
      return stamp;
    }
    const eventTime =
      this.options.jitterMs > 0 ? Math.floor(nominal - this.random.next() * this.options.jitterMs) : nominal;
    if (eventTime > this.maxStamped) this.maxStamped = eventTime;
    stamp.eventTime = eventTime;
    stamp.late = false;
    return stamp;
  }
}
