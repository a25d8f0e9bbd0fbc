/**
 * The watermark rule (docs/ARCHITECTURE.md, Watermark), in this one file.
 *
 * Per input (a partition, or an upstream partition whose max event time is carried through the
 * re-keying topic): the max event time seen minus the delay. The task's watermark is the minimum
 * over the inputs that are not idle, and never decreases. An input is idle once nothing arrived on
 * it for more than `idleTimeoutMs` of processing time (Flink's WatermarksWithIdleness); an input
 * that never had data is counted from the first `now` this object sees, so it holds the watermark
 * at -Infinity until it is idle. When every input is idle the watermark stays where it is: nothing
 * says how far event time has got, and flushing to the highest input (as Flink's
 * StatusWatermarkValve does) would make the slow partition's next events late.
 *
 * An input that comes back from idle holds the watermark again: it rejoins the minimum, and since
 * the watermark never decreases, the watermark waits until that input catches up.
 *
 * Everything is deterministic in (state, calls, now): processing time is passed in, never read.
 */

export interface WatermarksOptions {
  delayMs: number;
  idleTimeoutMs: number;
  /** e.g. 'tweets/0', 'tweets/1', 'stock-prices/1' */
  inputs: string[];
  /**
   * Inputs whose idleness is declared in-band (`markIdle`) by the stage upstream, which knows
   * when its partition has no data, instead of timed here: an upstream partition that is merely
   * read behind another must keep holding the watermark, or its data would arrive late. An input
   * whose name starts with one of these prefixes is such an input. Default: none.
   */
  markerInputPrefixes?: string[];
}

export interface InputWatermark {
  input: string;
  /** -Infinity until the input has had data */
  maxEventTime: number;
  idle: boolean;
  /** processing time of the last data on this input; -Infinity if none yet */
  lastSeen: number;
}

/** Plain JSON: -Infinity and "not yet" are null. */
export interface WatermarksState {
  inputs: { input: string; maxEventTime: number | null; lastSeen: number | null; marked?: boolean }[];
  clockStart: number | null;
  lastNow: number | null;
  watermark: number | null;
  sides?: [prefix: string, watermark: number][];
}

export class Watermarks {
  private readonly delayMs: number;
  private readonly idleTimeoutMs: number;
  private readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly maxEventTime: number[] = [];
  private readonly lastSeen: number[] = [];
  /** Per input: null when idleness is timed here; else whether upstream declared it idle. */
  private readonly marked: (boolean | null)[] = [];
  private readonly markerPrefixes: readonly string[];
  /** Per input-name prefix: its side's watermark (see currentOf) and the slots it covers. */
  private readonly sides = new Map<string, number>();
  private readonly sideSlots = new Map<string, number[]>();
  /** First processing time seen: the idle clock of an input that never had data starts here. */
  private clockStart = Number.NaN;
  /** Latest processing time seen, for `inputs()` without a `now`. */
  private lastNow = Number.NaN;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(opts: WatermarksOptions) {
    if (!(opts.delayMs >= 0)) throw new Error(`Watermarks: delayMs must be >= 0, got ${opts.delayMs}`);
    if (!(opts.idleTimeoutMs > 0)) {
      throw new Error(`Watermarks: idleTimeoutMs must be > 0, got ${opts.idleTimeoutMs}`);
    }
    this.delayMs = opts.delayMs;
    this.idleTimeoutMs = opts.idleTimeoutMs;
    this.markerPrefixes = opts.markerInputPrefixes ?? [];
    for (const input of opts.inputs) this.indexOf(input);
  }

  /**
   * The slot of an input, registering it when unknown (an upstream partition added after start
   * joins the minimum from its first message on).
   */
  indexOf(input: string): number {
    let i = this.index.get(input);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(input);
      this.index.set(input, i);
      this.maxEventTime.push(Number.NEGATIVE_INFINITY);
      this.lastSeen.push(Number.NEGATIVE_INFINITY);
      this.marked.push(this.markerPrefixes.some((prefix) => input.startsWith(prefix)) ? false : null);
    }
    return i;
  }

  /** An event (or a carried upstream max event time) seen on an input: raises its max, marks it active. */
  observe(input: string, eventTime: number, now: number): void {
    this.observeAt(this.indexOf(input), eventTime, now);
  }

  /** `observe` by slot (from `indexOf`), for the hot path. */
  observeAt(i: number, eventTime: number, now: number): void {
    this.tick(now);
    if (eventTime > (this.maxEventTime[i] as number)) this.maxEventTime[i] = eventTime;
    if (now > (this.lastSeen[i] as number)) this.lastSeen[i] = now;
    if (this.marked[i] === true) this.marked[i] = false;
  }

  /** Upstream says this input has no data (an in-band marker); its next observe ends that. */
  markIdle(input: string, now: number): void {
    this.tick(now);
    const i = this.indexOf(input);
    if (this.marked[i] === null)
      throw new Error(`Watermarks: ${input} is not an input with in-band idleness`);
    this.marked[i] = true;
  }

  /** The task's watermark at processing time `now`. */
  current(now: number): number {
    this.tick(now);
    let min = Number.POSITIVE_INFINITY;
    let active = false;
    for (let i = 0; i < this.names.length; i++) {
      if (this.isIdle(i, now)) continue;
      active = true;
      const candidate = (this.maxEventTime[i] as number) - this.delayMs;
      if (candidate < min) min = candidate;
    }
    if (active && min > this.watermark) this.watermark = min;
    return this.watermark;
  }

  /**
   * The watermark of the inputs whose names start with `prefix` alone (e.g. every upstream tweets
   * partition): the same rule — minimum over the non-idle ones, never decreasing. Lateness is
   * judged against one side's watermark, so that it depends only on that side's log, not on how a
   * replay interleaves it with the other side's (the task's watermark, over both, decides when a
   * window is final; it is never above either side's while both are active).
   */
  currentOf(prefix: string, now: number): number {
    this.tick(now);
    let slots = this.sideSlots.get(prefix);
    if (!slots || slots.length === 0 || slots.at(-1) !== this.lastSlotFor(prefix)) {
      slots = this.names.flatMap((name, i) => (name.startsWith(prefix) ? [i] : []));
      this.sideSlots.set(prefix, slots);
    }
    let min = Number.POSITIVE_INFINITY;
    let active = false;
    for (const i of slots) {
      if (this.isIdle(i, now)) continue;
      active = true;
      const candidate = (this.maxEventTime[i] as number) - this.delayMs;
      if (candidate < min) min = candidate;
    }
    const held = this.sides.get(prefix) ?? Number.NEGATIVE_INFINITY;
    if (active && min > held) {
      this.sides.set(prefix, min);
      return min;
    }
    return held;
  }

  private lastSlotFor(prefix: string): number | undefined {
    for (let i = this.names.length - 1; i >= 0; i--)
      if ((this.names[i] as string).startsWith(prefix)) return i;
    return undefined;
  }

  /** One input's own watermark (max event time − delay), idle or not; -Infinity before its first data. */
  inputWatermark(input: string): number {
    return this.inputWatermarkAt(this.indexOf(input));
  }

  inputWatermarkAt(i: number): number {
    return (this.maxEventTime[i] as number) - this.delayMs;
  }

  /** Per input, for metrics and checkpoints; idleness as of `now`, by default the latest time seen. */
  inputs(now: number = this.lastNow): InputWatermark[] {
    const at = now;
    return this.names.map((input, i) => ({
      input,
      maxEventTime: this.maxEventTime[i] as number,
      idle: this.isIdle(i, at),
      lastSeen: this.lastSeen[i] as number,
    }));
  }

  private tick(now: number): void {
    if (Number.isNaN(this.clockStart)) this.clockStart = now;
    if (!(now <= this.lastNow)) this.lastNow = now;
  }

  private isIdle(i: number, now: number): boolean {
    const marked = this.marked[i];
    if (marked !== null && marked !== undefined) return marked;
    const seen = this.lastSeen[i] as number;
    const since = seen === Number.NEGATIVE_INFINITY ? this.clockStart : seen;
    return now - since > this.idleTimeoutMs;
  }

  snapshot(): WatermarksState {
    const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
    return {
      inputs: this.names.map((input, i) => ({
        input,
        maxEventTime: finite(this.maxEventTime[i] as number),
        lastSeen: finite(this.lastSeen[i] as number),
        ...(this.marked[i] === true ? { marked: true } : {}),
      })),
      clockStart: finite(this.clockStart),
      lastNow: finite(this.lastNow),
      watermark: finite(this.watermark),
      sides: [...this.sides].filter(([, v]) => Number.isFinite(v)),
    };
  }

  static restore(state: WatermarksState, opts: WatermarksOptions): Watermarks {
    const w = new Watermarks(opts);
    for (const s of state.inputs) {
      const i = w.indexOf(s.input);
      w.maxEventTime[i] = s.maxEventTime ?? Number.NEGATIVE_INFINITY;
      w.lastSeen[i] = s.lastSeen ?? Number.NEGATIVE_INFINITY;
      if (w.marked[i] !== null) w.marked[i] = s.marked === true;
    }
    w.clockStart = state.clockStart ?? Number.NaN;
    w.lastNow = state.lastNow ?? Number.NaN;
    w.watermark = state.watermark ?? Number.NEGATIVE_INFINITY;
    for (const [prefix, value] of state.sides ?? []) w.sides.set(prefix, value);
    return w;
  }
}
