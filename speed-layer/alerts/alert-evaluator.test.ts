import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertRule, DEFAULT_ALERT_RULES } from '../../schemas/alerts.js';
import { MINUTE_MS } from '../../schemas/time.js';
import { AlertEvaluator, type AlertTransition, type FinalMinute } from './alert-evaluator.js';
import { resolveRule } from './alert-rules.js';
import { referenceAlerts } from './reference-alerts.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0);
const at = (k: number) => T0 + k * MINUTE_MS;
const [BEARISH, BULLISH] = DEFAULT_ALERT_RULES.map(resolveRule) as [AlertRule, AlertRule];

/** A final minute with `tweets` tweets of mean `mean` and one tick from `open` to `close`. */
function minute(k: number, tweets: number, mean: number, open?: number, close?: number): FinalMinute {
  return {
    minute: at(k),
    tweets,
    compoundSum: tweets * mean,
    ticks: open === undefined ? 0 : 1,
    open: open ?? 0,
    close: close ?? open ?? 0,
  };
}

/** Feeds the minutes (per symbol, ascending) and advances the watermark to the end of minute `until`. */
function run(
  rules: readonly AlertRule[],
  minutes: readonly FinalMinute[],
  until: number,
  symbol = 'AAPL',
): AlertTransition[] {
  const evaluator = new AlertEvaluator(rules);
  const out: AlertTransition[] = [];
  for (const m of minutes) evaluator.onFinalMinute(symbol, m);
  evaluator.advance(at(until + 1), 0, (t) => out.push(t));
  return out;
}

const opened = (ts: AlertTransition[]) => ts.filter((t) => t.event === 'opened');
const summary = (ts: AlertTransition[]) =>
  ts.map(
    (t) =>
      `${t.event} ${t.row.alert_id}${t.event === 'closed' ? ` closed ${new Date(t.row.closed_at as number).toISOString().slice(11, 16)}` : ''}`,
  );

/** A crash minute: one window [k-4, k] of five bearish tweets and a 2 % fall from 100 to 98. */
const crash = (k: number, mean = -0.8, close = 98) => [
  minute(k - 4, 5, mean, 100, 99.5),
  minute(k, 0, 0, 99, close),
];

describe('alert rules over final minutes', () => {
  it('opens the bearish default when the mean compound is below -0.5 and the price falls 2 %', () => {
    const out = run([BEARISH], crash(4), 10);
    expect(summary(opened(out))).toEqual(['opened bearish-sentiment-price-drop:AAPL:2026-12-01T12:04Z']);
    expect(out[0]?.row).toMatchObject({
      status: 'open',
      direction: 'bearish',
      tweet_count: 5,
      mean_compound: -0.8,
      open_price: 100,
      close_price: 98,
      window_start: at(0),
      window_end: at(5),
    });
    expect(out[0]?.row.price_change).toBeCloseTo(-0.02, 12);
  });

  it('takes the limits as the rules say: mean strictly below -0.5, price change of exactly -2 % counts', () => {
    expect(opened(run([BEARISH], crash(4, -0.5), 10))).toEqual([]);
    expect(opened(run([BEARISH], crash(4, -0.5001), 10))).toHaveLength(1);
    expect(opened(run([BEARISH], crash(4, -0.8, 98.01), 10))).toEqual([]);
    expect(opened(run([BEARISH], crash(4, -0.8, 97.99), 10))).toHaveLength(1);
    // Exactly 2 % down from prices whose ratio is not exact in binary.
    expect(
      opened(run([BEARISH], [minute(0, 5, -0.9, 49.3, 49.3), minute(1, 0, 0, 48.4, 48.314)], 10)),
    ).toHaveLength(1);
  });

  it('needs at least the minimum tweet count in the window', () => {
    const four = [minute(0, 4, -0.9, 100), minute(1, 0, 0, 99, 97)];
    expect(opened(run([BEARISH], four, 10))).toEqual([]);
    const five = [minute(0, 4, -0.9, 100), minute(1, 1, -0.9, 99, 97)];
    expect(opened(run([BEARISH], five, 10))).toHaveLength(1);
    expect(opened(run([{ ...BEARISH, minTweets: 6 }], five, 10))).toEqual([]);
  });

  it('is false without a tick in the window, whatever the sentiment', () => {
    expect(opened(run([BEARISH], [minute(0, 50, -0.99)], 10))).toEqual([]);
  });

  it('fires the bullish twin on a rise, and neither rule on the other direction', () => {
    const rally = [minute(0, 6, 0.7, 100, 101), minute(3, 0, 0, 101.5, 102)];
    expect(summary(run([BEARISH, BULLISH], rally, 20))).toEqual([
      'opened bullish-sentiment-price-rise:AAPL:2026-12-01T12:03Z',
      'closed bullish-sentiment-price-rise:AAPL:2026-12-01T12:03Z closed 12:09',
    ]);
    expect(opened(run([BEARISH], rally, 20))).toEqual([]);
    expect(opened(run([BULLISH], crash(4), 20))).toEqual([]);
  });

  it('opens one alert per episode and closes it only after the cool-down of false minutes', () => {
    const minutes = [
      minute(0, 2, -0.8, 100, 99.5),
      minute(1, 2, -0.8, 99.5, 99),
      minute(2, 2, -0.8, 99, 98.5),
      minute(3, 2, -0.8, 98.5, 98),
      minute(7, 6, -0.9, 97, 95),
    ];
    // True at 3 (8 tweets, -2 %) and 4; false at 5 and 6 (-1.5 %, then 4 tweets); true again
    // 7..11 (window 3..7: -3.6 %), before the cool-down ran out: one episode, closed at 11 + 5.
    const out = run([BEARISH], minutes, 40);
    expect(summary(out)).toEqual([
      'opened bearish-sentiment-price-drop:AAPL:2026-12-01T12:03Z',
      'closed bearish-sentiment-price-drop:AAPL:2026-12-01T12:03Z closed 12:16',
    ]);
    expect(out[1]?.row).toMatchObject({
      status: 'closed',
      last_true_at: at(11),
      closed_at: at(16),
      tweet_count: 8,
    });
    // A shorter cool-down ends the first episode in the gap: two alerts, each with its own id.
    expect(summary(run([{ ...BEARISH, cooldownMs: 2 * MINUTE_MS }], minutes, 40))).toEqual([
      'opened bearish-sentiment-price-drop:AAPL:2026-12-01T12:03Z',
      'closed bearish-sentiment-price-drop:AAPL:2026-12-01T12:03Z closed 12:06',
      'opened bearish-sentiment-price-drop:AAPL:2026-12-01T12:07Z',
      'closed bearish-sentiment-price-drop:AAPL:2026-12-01T12:07Z closed 12:13',
    ]);
  });

  it('closes an alert on minutes without any data once the watermark passes them', () => {
    const evaluator = new AlertEvaluator([BEARISH]);
    const out: AlertTransition[] = [];
    for (const m of crash(4)) evaluator.onFinalMinute('AAPL', m);
    evaluator.advance(at(5), 0, (t) => out.push(t));
    expect(summary(out)).toHaveLength(1);
    // No pane after minute 4: false from minute 5 on (no tweet left in the window); the cool-down
    // runs out at 4 + 5 = 9, on minutes that exist only because the watermark passed them.
    evaluator.advance(at(9), 0, (t) => out.push(t));
    expect(out).toHaveLength(1);
    evaluator.advance(at(10), 0, (t) => out.push(t));
    expect(summary(out)[1]).toBe('closed bearish-sentiment-price-drop:AAPL:2026-12-01T12:04Z closed 12:09');
    expect(evaluator.snapshot().symbols).toEqual([]);
  });

  it('evaluates the first minute after a quiet stretch within one advance', () => {
    const minutes = [minute(0, 1, 0.2), minute(20, 5, -0.9, 100, 97)];
    expect(summary(opened(run([BEARISH], minutes, 40)))).toEqual([
      'opened bearish-sentiment-price-drop:AAPL:2026-12-01T12:20Z',
    ]);
  });

  it('evaluates only the symbols a rule names', () => {
    const onlyMsft = { ...BEARISH, symbols: ['MSFT'] };
    expect(opened(run([onlyMsft], crash(4), 10, 'AAPL'))).toEqual([]);
    expect(opened(run([onlyMsft], crash(4), 10, 'MSFT'))).toHaveLength(1);
  });

  it('ignores a final minute handed over again (it was already evaluated)', () => {
    const evaluator = new AlertEvaluator([BEARISH]);
    const out: AlertTransition[] = [];
    for (const m of crash(4)) evaluator.onFinalMinute('AAPL', m);
    evaluator.advance(at(5), 0, (t) => out.push(t));
    for (const m of crash(4)) evaluator.onFinalMinute('AAPL', m);
    evaluator.advance(at(30), 0, (t) => out.push(t));
    expect(summary(out)).toEqual([
      'opened bearish-sentiment-price-drop:AAPL:2026-12-01T12:04Z',
      'closed bearish-sentiment-price-drop:AAPL:2026-12-01T12:04Z closed 12:09',
    ]);
  });

  it('matches a stateless reference on random streams, through snapshots at random minutes', () => {
    const minuteArb = fc.record({
      tweets: fc.integer({ min: 0, max: 4 }),
      mean: fc.constantFrom(-0.9, -0.6, -0.4, 0, 0.4, 0.6, 0.9),
      tick: fc.option(fc.tuple(fc.integer({ min: 95, max: 105 }), fc.integer({ min: 95, max: 105 })), {
        nil: undefined,
      }),
      present: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(minuteArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(1, 3, 10, 1000),
        (specs, cuts, cooldown, step) => {
          const rules = [
            { ...BEARISH, minTweets: 3, price: { atMost: -0.01 }, cooldownMs: cooldown * MINUTE_MS },
            { ...BULLISH, minTweets: 3, windowMs: 3 * MINUTE_MS, price: { atLeast: 0.01 } },
          ];
          const minutes = specs.flatMap((s, k) =>
            s.present && (s.tweets > 0 || s.tick)
              ? [minute(k, s.tweets, s.mean, s.tick?.[0], s.tick?.[1])]
              : [],
          );
          const end = specs.length + 20;
          const expected = reference(rules, minutes, end);
          // The real one: fed minute by minute, the watermark advanced in steps, restored from a
          // snapshot (through JSON) at the cut minutes.
          let evaluator = new AlertEvaluator(rules);
          const got: string[] = [];
          const cutSet = new Set(cuts);
          for (let k = 0; k <= end; k++) {
            const m = minutes.find((x) => x.minute === at(k));
            if (m) evaluator.onFinalMinute('AAPL', m);
            if (k % step === 0 || k === end) evaluator.advance(at(k + 1), 0, (t) => got.push(line(t)));
            if (cutSet.has(k))
              evaluator = AlertEvaluator.restore(JSON.parse(JSON.stringify(evaluator.snapshot())), rules);
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

const line = (t: AlertTransition) => `${t.event} ${t.row.alert_id} ${t.row.closed_at ?? ''}`;

/** The oracle's alerts as the evaluator's transitions, minute by minute, rules in order within one. */
function reference(rules: readonly AlertRule[], minutes: readonly FinalMinute[], end: number): string[] {
  const events = referenceAlerts(rules, 'AAPL', minutes, at(0), at(end)).flatMap((a) => {
    const rule = rules.findIndex((r) => r.id === a.rule);
    const opened = { at: a.openedAt, rule, text: `opened ${a.alertId} ` };
    return a.closedAt === undefined
      ? [opened]
      : [opened, { at: a.closedAt, rule, text: `closed ${a.alertId} ${a.closedAt}` }];
  });
  return events.sort((a, b) => a.at - b.at || a.rule - b.rule).map((e) => e.text);
}
