import { describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../schemas/time.js';
import type { MinuteFigures } from './merge/bucket-aggregate.js';
import { SeriesAnswerCache } from './series-answer-cache.js';
import type { SeriesInputs } from './serving-views.js';
import { speedMinute } from './test-lake.js';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const gold: MinuteFigures[] = [];
const speed = [speedMinute('AAPL', T0, 2), speedMinute('AAPL', T0 + MINUTE_MS, 3)];

function inputs(change: Partial<SeriesInputs> = {}): SeriesInputs {
  return {
    horizon: { runId: 'run-1', coveredUntil: T0 } as SeriesInputs['horizon'],
    boundary: T0,
    intervalMs: MINUTE_MS,
    from: T0 - 60 * MINUTE_MS,
    to: T0 + 60 * MINUTE_MS,
    speedFrom: T0 - 600 * MINUTE_MS,
    gold,
    speed,
    ...change,
  };
}

/** The cache and a build that says which call of it made the body. */
function counted(maxBytes = 1 << 20) {
  const counts = { hit: 0, build: 0 };
  const cache = new SeriesAnswerCache(maxBytes, (outcome) => counts[outcome]++);
  let builds = 0;
  const answer = (key: string, i: SeriesInputs) =>
    cache.answer(key, i, () => `{"build":${++builds}}`).toString();
  return { cache, counts, answer };
}

describe('SeriesAnswerCache', () => {
  it('sends the kept body again while the inputs are the same', () => {
    const { counts, answer } = counted();
    expect(answer('k', inputs())).toBe('{"build":1}');
    expect(answer('k', inputs())).toBe('{"build":1}');
    expect(counts).toEqual({ hit: 1, build: 1 });
  });

  it('takes speed rows read again from the store as the same when every column is equal', () => {
    const { answer } = counted();
    answer('k', inputs());
    expect(answer('k', inputs({ speed: speed.map((row) => ({ ...row })) }))).toBe('{"build":1}');
  });

  it('builds again when a speed row changed in any column, appeared or went', () => {
    const { answer } = counted();
    answer('k', inputs());
    const rewritten = [{ ...(speed[0] as (typeof speed)[0]), tweet_count: 3 }, speed[1] as (typeof speed)[0]];
    expect(answer('k', inputs({ speed: rewritten }))).toBe('{"build":2}');
    const finalNow = [speed[0] as (typeof speed)[0], { ...(speed[1] as (typeof speed)[0]), final: false }];
    expect(answer('k', inputs({ speed: finalNow }))).toBe('{"build":3}');
    expect(answer('k', inputs({ speed: speed.slice(1) }))).toBe('{"build":4}');
    expect(answer('k', inputs({ speed: [...speed, speedMinute('AAPL', T0 + 2 * MINUTE_MS, 1)] }))).toBe(
      '{"build":5}',
    );
  });

  it('builds again for another run, boundary, retention edge, gold answer or range', () => {
    const { answer } = counted();
    answer('k', inputs());
    const horizon = { runId: 'run-2', coveredUntil: T0 } as SeriesInputs['horizon'];
    expect(answer('k', inputs({ horizon }))).toBe('{"build":2}');
    expect(answer('k', inputs({ horizon, boundary: T0 + MINUTE_MS }))).toBe('{"build":3}');
    expect(answer('k', inputs({ horizon, boundary: T0 + MINUTE_MS, speedFrom: T0 }))).toBe('{"build":4}');
    const same = { horizon, boundary: T0 + MINUTE_MS, speedFrom: T0 };
    expect(answer('k', inputs({ ...same, gold: [] }))).toBe('{"build":5}');
    expect(answer('k', inputs({ ...same, gold: [], to: T0 }))).toBe('{"build":6}');
  });

  it('keeps answers by key, dropping the least recently used past its size', () => {
    // Each body is 11 bytes: room for two.
    const { cache, answer } = counted(22);
    answer('a', inputs());
    answer('b', inputs());
    answer('a', inputs());
    answer('c', inputs());
    expect(cache.size).toBe(2);
    expect(answer('a', inputs())).toBe('{"build":1}');
    expect(answer('b', inputs())).toBe('{"build":4}');
  });

  it('keeps nothing at size 0', () => {
    const { cache, answer } = counted(0);
    answer('k', inputs());
    expect(answer('k', inputs())).toBe('{"build":2}');
    expect(cache.size).toBe(0);
  });
});
