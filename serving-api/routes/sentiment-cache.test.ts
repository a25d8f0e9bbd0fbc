import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import { HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import { type TestApi, testApi } from '../test-app.js';
import { goldMinutes, pointLatest, putGoldMinutes, speedMinute } from '../test-lake.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const B = T0 + 12 * HOUR_MS;
const NOW = T0 + 15 * HOUR_MS + 30 * MINUTE_MS;
const WATERMARK_DELAY = 2 * MINUTE_MS;
const iso = (t: number) => new Date(t).toISOString();

type Step =
  | { kind: 'advance'; ms: number }
  | { kind: 'write'; minutesBack: number; tweets: number }
  | { kind: 'land'; hours: number }
  | { kind: 'again' }
  | { kind: 'ask'; route: 'sentiment' | 'candles'; interval: '1m' | '5m' | '1h'; back: number; span: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 150_000 }) }),
  fc.record({
    kind: fc.constant('write' as const),
    minutesBack: fc.integer({ min: 0, max: 3 }),
    tweets: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('land' as const), hours: fc.integer({ min: 1, max: 2 }) }),
  fc.constant({ kind: 'again' as const }),
  fc.record({
    kind: fc.constant('ask' as const),
    route: fc.constantFrom('sentiment' as const, 'candles' as const),
    interval: fc.constantFrom('1m' as const, '5m' as const, '1h' as const),
    back: fc.integer({ min: 0, max: 4 * 60 }),
    span: fc.integer({ min: 1, max: 6 }),
  }),
);

/** The speed layer as the caches rely on it: open minutes rewritten, a final row never again. */
class SpeedLayerModel {
  private readonly rows = new Map<number, SentimentMinuteRow>();

  constructor(private readonly api: TestApi) {}

  async write(now: number, minute: number, tweets: number): Promise<void> {
    if (minute + MINUTE_MS <= now - WATERMARK_DELAY) return; // the watermark passed it: no row appears
    const before = this.rows.get(minute);
    const row = {
      ...speedMinute('AAPL', minute, (before?.tweet_count ?? 0) + tweets),
      final: false,
      updated_at: now,
    };
    this.rows.set(minute, row);
    await this.api.backends.viewStore.upsert('sentiment_by_minute', [row]);
  }

  /** Marks final, once, every minute row the watermark has passed. */
  async finalize(now: number): Promise<void> {
    const final: SentimentMinuteRow[] = [];
    for (const [minute, row] of this.rows) {
      if (row.final || minute + MINUTE_MS > now - WATERMARK_DELAY) continue;
      const done = { ...row, final: true, updated_at: now };
      this.rows.set(minute, done);
      final.push(done);
    }
    if (final.length > 0) await this.api.backends.viewStore.upsert('sentiment_by_minute', final);
  }
}

describe('series answers from the answer cache', () => {
  it('equal the answers of an API without caches, whatever the speed layer writes and the batch lands', async () => {
    let hits = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 40 }), async (steps) => {
        const cached = await testApi(NOW);
        const plain = await testApi(
          NOW,
          { API_ANSWER_CACHE_MB: '0', API_SPEED_CACHE_PARTITIONS: '0' },
          (b) => ({ ...b, viewStore: cached.backends.viewStore, objectStore: cached.lake }),
        );
        try {
          await putGoldMinutes(cached.lake, goldMinutes('AAPL', T0, T0 + 20 * HOUR_MS, 1));
          await pointLatest(cached.lake, 'run-0', B, NOW);
          const speed = new SpeedLayerModel(cached);
          for (let t = NOW - 3 * HOUR_MS; t < NOW - 5 * MINUTE_MS; t += MINUTE_MS) await speed.write(t, t, 2);
          await speed.finalize(NOW);
          let boundary = B;
          let runs = 0;
          let url = `/v1/symbols/AAPL/sentiment?interval=1h&from=${iso(B - HOUR_MS)}&to=${iso(B + HOUR_MS)}`;
          const clock = () => cached.clock.now;
          for (const s of steps) {
            if (s.kind === 'advance') {
              cached.clock.now += s.ms;
              plain.clock.now = cached.clock.now;
              await speed.finalize(clock());
            } else if (s.kind === 'write') {
              const minute = Math.floor(clock() / MINUTE_MS) * MINUTE_MS - s.minutesBack * MINUTE_MS;
              await speed.write(clock(), minute, s.tweets);
            } else if (s.kind === 'land') {
              boundary = Math.min(boundary + s.hours * HOUR_MS, Math.floor(clock() / HOUR_MS) * HOUR_MS);
              await pointLatest(cached.lake, `run-${++runs}`, boundary, clock());
            } else {
              if (s.kind === 'ask') {
                const step = { '1m': MINUTE_MS, '5m': 5 * MINUTE_MS, '1h': HOUR_MS }[s.interval];
                const from = Math.floor((clock() - s.back * MINUTE_MS) / step) * step;
                const span = s.interval === '1h' ? s.span * step : s.span * 30 * MINUTE_MS;
                url = `/v1/symbols/AAPL/${s.route}?interval=${s.interval}&from=${iso(from)}&to=${iso(from + span)}`;
              }
              const [a, b] = await Promise.all([
                cached.app.inject({ method: 'GET', url }),
                plain.app.inject({ method: 'GET', url }),
              ]);
              expect(a.statusCode, url).toBe(b.statusCode);
              expect(a.json(), url).toEqual(b.json());
              expect(a.headers['content-type']).toBe(b.headers['content-type']);
            }
          }
          const metrics = (await cached.app.inject({ method: 'GET', url: '/metrics' })).body;
          hits += Number(/api_series_answers_total\{outcome="hit"\} (\d+)/.exec(metrics)?.[1] ?? 0);
        } finally {
          await plain.close();
          await cached.close();
        }
      }),
      { numRuns: 40 },
    );
    // Not vacuous: some answers were sent again from the cache.
    process.stdout.write(`answer cache hits over the runs: ${hits}\n`);
    expect(hits).toBeGreaterThan(0);
  }, 120_000);
});
