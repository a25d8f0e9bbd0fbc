import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../schemas/time.js';
import { emptyTweetAggregate, MinuteWindows, mergeTweetAggregate, type Pane } from './windows.js';

const T12 = Date.UTC(2025, 0, 6, 12, 0, 0);
const at = (minutes: number, ms = 0) => T12 + minutes * MINUTE_MS + ms;

type Emitted = { symbol: string; minute: number; final: boolean; count: number; count5m: number };

function collect(w: MinuteWindows<null>, watermark: number): Emitted[] {
  const out: Emitted[] = [];
  w.advance(watermark, (pane: Pane<null>, final) =>
    out.push({
      symbol: pane.symbol,
      minute: pane.minute,
      final,
      count: pane.tweets.count,
      count5m: w.trailing(pane).count,
    }),
  );
  return out;
}

const windows = () => new MinuteWindows<null>(() => null);

describe('MinuteWindows', () => {
  it('puts an event at 12:01:00.000 in [12:01, 12:02) and one at 12:00:59.999 in [12:00, 12:01)', () => {
    const w = windows();
    expect(w.addTweet('AAPL', at(1), 0.5).minute).toBe(at(1));
    expect(w.addTweet('AAPL', at(1, -1), 0.5).minute).toBe(at(0));
  });

  it('aggregates counts by label and the compound sum, min and max', () => {
    const w = windows();
    for (const c of [0.05, 0.0499, -0.05, -0.7, 0.9]) w.addTweet('AAPL', at(0, 10), c);
    const pane = w.pane('AAPL', at(0));
    expect(pane.tweets).toEqual({
      count: 5,
      positive: 2,
      neutral: 1,
      negative: 2,
      compoundSum: 0.05 + 0.0499 - 0.05 - 0.7 + 0.9,
      compoundMin: -0.7,
      compoundMax: 0.9,
    });
  });

  it('makes a window final exactly once, when the watermark reaches its end', () => {
    const w = windows();
    w.addTweet('AAPL', at(0, 30_000), 0.1);
    expect(collect(w, at(1) - 1)).toEqual([
      { symbol: 'AAPL', minute: at(0), final: false, count: 1, count5m: 1 },
    ]);
    expect(collect(w, at(1) - 1)).toEqual([]);
    expect(collect(w, at(1))).toEqual([{ symbol: 'AAPL', minute: at(0), final: true, count: 1, count5m: 1 }]);
    expect(collect(w, at(2))).toEqual([]);
    expect(collect(w, at(30))).toEqual([]);
  });

  it('emits a changed open window once per advance, however often it changed', () => {
    const w = windows();
    for (let i = 0; i < 10; i++) w.addTweet('AAPL', at(0, i), 0.1);
    expect(collect(w, 0)).toHaveLength(1);
  });

  it('re-emits the open rows whose five-minute sums a change feeds', () => {
    const w = windows();
    w.addTweet('AAPL', at(0), 0.1);
    w.addTweet('AAPL', at(3), 0.1);
    w.addTweet('AAPL', at(5), 0.1);
    collect(w, 0);
    w.addTweet('AAPL', at(1), 0.1);
    expect(collect(w, 0)).toEqual([
      { symbol: 'AAPL', minute: at(1), final: false, count: 1, count5m: 2 },
      { symbol: 'AAPL', minute: at(3), final: false, count: 1, count5m: 3 },
      { symbol: 'AAPL', minute: at(5), final: false, count: 1, count5m: 3 },
    ]);
  });

  it('does not re-emit later rows for a change that leaves tweet sums alone', () => {
    const w = windows();
    w.addTweet('AAPL', at(0), 0.1);
    w.addTweet('AAPL', at(1), 0.1);
    collect(w, 0);
    w.markChanged(w.pane('AAPL', at(0)));
    expect(collect(w, 0).map((e) => e.minute)).toEqual([at(0)]);
  });

  it('carries on each final row the sum of its own and the four previous panes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ minute: fc.integer({ min: 0, max: 15 }), compound: fc.double({ min: -1, max: 1 }) }),
          {
            maxLength: 80,
          },
        ),
        (tweets) => {
          const w = windows();
          for (const t of tweets) w.addTweet('AAPL', at(t.minute, 1), t.compound);
          const finals = new Map<
            number,
            { own: ReturnType<typeof emptyTweetAggregate>; trailing: unknown }
          >();
          // The watermark moves a minute at a time, so that panes are freed while later ones are open.
          for (let m = 0; m <= 25; m++) {
            w.advance(at(m), (pane, final) => {
              if (final) finals.set(pane.minute, { own: { ...pane.tweets }, trailing: w.trailing(pane) });
            });
          }
          for (const [minute, { trailing }] of finals) {
            const expected = emptyTweetAggregate();
            for (let k = 0; k < 5; k++) {
              const own = finals.get(minute - k * MINUTE_MS)?.own;
              if (own) mergeTweetAggregate(expected, own);
            }
            expect(trailing).toEqual(expected);
          }
          expect(finals.size).toBe(new Set(tweets.map((t) => t.minute)).size);
        },
      ),
    );
  });

  it('keeps a final pane only while a later five-minute sum needs it', () => {
    const w = windows();
    w.addTweet('AAPL', at(0), 0.1);
    collect(w, at(1));
    w.advance(at(5) - 1, () => {});
    expect(w.heldPanes()).toBe(1);
    w.advance(at(5), () => {});
    expect(w.heldPanes()).toBe(0);
    expect(w.openWindows()).toBe(0);
  });

  it('holds a bounded number of panes over an endless stream', () => {
    const w = windows();
    const held: number[] = [];
    for (let minute = 0; minute < 24 * 60; minute++) {
      for (const symbol of ['AAPL', 'TSLA', 'NVDA']) w.addTweet(symbol, at(minute, 500), 0.2);
      w.advance(at(minute) - 120_000, () => {});
      held.push(w.heldPanes());
    }
    expect(Math.max(...held.slice(60))).toBe(Math.max(...held.slice(-60)));
    expect(Math.max(...held)).toBeLessThanOrEqual(3 * 9);
  });

  it('continues after snapshot → JSON → restore with the same emissions', () => {
    const w = windows();
    w.addTweet('AAPL', at(0), 0.1);
    w.addTweet('AAPL', at(2), -0.3);
    collect(w, at(1));
    w.addTweet('TSLA', at(2), 0.6);
    const restored = MinuteWindows.restore<null>(
      JSON.parse(JSON.stringify(w.snapshot((x) => x))),
      () => null,
      (x) => x,
    );
    expect(collect(restored, at(4))).toEqual(collect(w, at(4)));
    expect(restored.heldPanes()).toBe(w.heldPanes());
    expect(restored.openWindows()).toBe(w.openWindows());
  });
});
