import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../infra/lake/local-object-store.js';
import { bronzeObjectKey } from '../schemas/lake.js';
import { eventTimeRanges } from './bronze-event-times.js';
import { BRONZE_SOURCES, goldDaysOfEventTimes } from './bronze-sources.js';
import { at, putTweets, tweet } from './test-fixture.js';

const tweets = BRONZE_SOURCES.find((s) => s.name === 'bronze_tweets');
if (!tweets) throw new Error('no bronze_tweets source');

let dir: string;
let store: LocalObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'event-times-'));
  store = await LocalObjectStore.open(join(dir, 'lake'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const keys = async () => {
  const found: string[] = [];
  for await (const o of store.list('bronze/')) found.push(o.key);
  return found.sort();
};

describe('event times of bronze objects', () => {
  it('gives each object its rows’ first and last event time to the millisecond, and none for a bad one', async () => {
    await putTweets(
      store,
      '2026-03-02',
      [
        tweet('a', '2026-03-02T10:00:00.123Z', 0.1, ['AAA']),
        tweet('b', '2026-03-01T23:59:59.999Z', 0.2, ['AAA']),
        tweet('c', '2026-03-02T00:30:00.001Z', 0.3, ['AAA']),
      ],
      0,
    );
    await putTweets(store, '2026-03-03', [tweet('d', '2026-03-03T05:06:07.089Z', 0.1, [])], 10);
    const good = (await keys()).map((key) => ({ key, path: store.locate(key) }));
    const [first, second] = good;
    const expected = new Map([
      [first?.key, { min: at('2026-03-01T23:59:59.999Z'), max: at('2026-03-02T10:00:00.123Z') }],
      [second?.key, { min: at('2026-03-03T05:06:07.089Z'), max: at('2026-03-03T05:06:07.089Z') }],
    ]);
    // From the footers' statistics...
    expect(await eventTimeRanges(tweets, good)).toEqual(expected);
    // ...and, with a file whose footer cannot be read among them, from the column itself.
    const corrupt = bronzeObjectKey({
      dataset: 'tweets',
      day: '2026-03-03',
      partition: 9,
      firstOffset: 0,
      lastOffset: 1,
    });
    await store.put(corrupt, new TextEncoder().encode('not parquet'));
    const ranges = await eventTimeRanges(tweets, [...good, { key: corrupt, path: store.locate(corrupt) }]);
    expect(ranges).toEqual(expected);
    expect(ranges.has(corrupt)).toBe(false);
  });

  it('maps a range to its days, the next day, and the day before only from a first-hour row', () => {
    expect(goldDaysOfEventTimes(at('2026-03-02T10:00:00Z'), at('2026-03-02T11:00:00Z'))).toEqual([
      '2026-03-02',
      '2026-03-03',
    ]);
    expect(goldDaysOfEventTimes(at('2026-03-02T00:59:59.999Z'), at('2026-03-02T11:00:00Z'))).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
    ]);
    expect(goldDaysOfEventTimes(at('2026-03-01T23:30:00Z'), at('2026-03-02T01:00:00Z'))).toEqual([
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
    ]);
  });
});
