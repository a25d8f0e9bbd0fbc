import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Watermarks } from './watermark.js';

const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
const DELAY = 120_000;
const IDLE = 10_000;
const opts = (inputs: string[]) => ({ delayMs: DELAY, idleTimeoutMs: IDLE, inputs });

describe('Watermarks', () => {
  it('is the max event time minus the delay for one input read in order', () => {
    const w = new Watermarks(opts(['tweets/0']));
    w.observe('tweets/0', T0, 0);
    expect(w.current(0)).toBe(T0 - DELAY);
    w.observe('tweets/0', T0 + 5_000, 1);
    expect(w.current(1)).toBe(T0 + 5_000 - DELAY);
  });

  it('never decreases when older data arrives', () => {
    const w = new Watermarks(opts(['tweets/0']));
    w.observe('tweets/0', T0 + 60_000, 0);
    const before = w.current(0);
    w.observe('tweets/0', T0, 1);
    expect(w.current(1)).toBe(before);
  });

  it('is the minimum over the inputs: the slower partition holds it back', () => {
    const w = new Watermarks(opts(['tweets/0', 'tweets/1']));
    w.observe('tweets/0', T0 + 600_000, 0);
    w.observe('tweets/1', T0, 0);
    expect(w.current(1)).toBe(T0 - DELAY);
    w.observe('tweets/1', T0 + 300_000, 2);
    expect(w.current(2)).toBe(T0 + 300_000 - DELAY);
  });

  it('is held at -Infinity by an input that never had data until that input is idle', () => {
    const w = new Watermarks(opts(['tweets/0', 'stock-prices/0']));
    w.observe('tweets/0', T0, 1_000);
    expect(w.current(1_000)).toBe(Number.NEGATIVE_INFINITY);
    // The idle clock of the silent input started at the first processing time seen (1 000).
    w.observe('tweets/0', T0 + 1, 1_000 + IDLE);
    expect(w.current(1_000 + IDLE)).toBe(Number.NEGATIVE_INFINITY);
    w.observe('tweets/0', T0 + 2, 1_001 + IDLE);
    expect(w.current(1_001 + IDLE)).toBe(T0 + 2 - DELAY);
  });

  it('releases an idle input after the timeout and is held back again when its data returns', () => {
    const w = new Watermarks(opts(['tweets/0', 'tweets/1']));
    w.observe('tweets/0', T0, 0);
    w.observe('tweets/1', T0, 0);
    expect(w.current(0)).toBe(T0 - DELAY);

    // tweets/1 falls silent; tweets/0 moves on.
    w.observe('tweets/0', T0 + 600_000, IDLE);
    expect(w.current(IDLE)).toBe(T0 - DELAY);
    w.observe('tweets/0', T0 + 600_000, IDLE + 1);
    expect(w.current(IDLE + 1)).toBe(T0 + 600_000 - DELAY);
    expect(w.inputs().find((i) => i.input === 'tweets/1')?.idle).toBe(true);

    // tweets/1 comes back behind: it holds the watermark (which does not go back) until it catches up.
    w.observe('tweets/1', T0 + 60_000, IDLE + 2);
    w.observe('tweets/0', T0 + 900_000, IDLE + 2);
    expect(w.current(IDLE + 2)).toBe(T0 + 600_000 - DELAY);
    expect(w.inputs().find((i) => i.input === 'tweets/1')?.idle).toBe(false);
    w.observe('tweets/1', T0 + 700_000, IDLE + 3);
    expect(w.current(IDLE + 3)).toBe(T0 + 700_000 - DELAY);
  });

  it('stays where it is when every input is idle', () => {
    const w = new Watermarks(opts(['tweets/0', 'tweets/1']));
    w.observe('tweets/0', T0 + 60_000, 0);
    w.observe('tweets/1', T0, 0);
    expect(w.current(0)).toBe(T0 - DELAY);
    expect(w.current(IDLE * 100)).toBe(T0 - DELAY);
  });

  it("gives one input's own watermark, idle or not", () => {
    const w = new Watermarks(opts(['tweets/0', 'stock-prices/0']));
    expect(w.inputWatermark('stock-prices/0')).toBe(Number.NEGATIVE_INFINITY);
    w.observe('stock-prices/0', T0, 0);
    expect(w.inputWatermark('stock-prices/0')).toBe(T0 - DELAY);
    expect(w.current(0)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('registers an input it was not told about from its first data on', () => {
    const w = new Watermarks(opts(['tweets/0']));
    w.observe('tweets/0', T0 + 60_000, 0);
    w.observe('tweets/7', T0, 0);
    expect(w.current(0)).toBe(T0 - DELAY);
  });

  it('continues after snapshot → JSON → restore exactly as without the interruption', () => {
    const inputs = ['tweets/0', 'tweets/1', 'stock-prices/0'];
    const op = fc.record({
      input: fc.constantFrom(...inputs),
      event: fc.integer({ min: 0, max: 3_600_000 }),
      step: fc.integer({ min: 0, max: 6_000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.nat(), (ops, cutSeed) => {
        const cut = ops.length === 0 ? 0 : cutSeed % (ops.length + 1);
        const run = (restoreAt: number | undefined) => {
          let w = new Watermarks(opts(inputs));
          let now = 0;
          const seen: number[] = [];
          ops.forEach((o, i) => {
            if (i === restoreAt) {
              w = Watermarks.restore(JSON.parse(JSON.stringify(w.snapshot())), opts(inputs));
            }
            now += o.step;
            w.observe(o.input, T0 + o.event, now);
            seen.push(w.current(now));
          });
          return { seen, inputs: w.inputs() };
        };
        expect(run(cut)).toEqual(run(undefined));
      }),
    );
  });
});
