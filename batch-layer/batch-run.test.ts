import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Type from 'typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../infra/lake/local-object-store.js';
import { encodeParquet } from '../infra/lake/parquet-writer.js';
import { Column } from '../schemas/columns.js';
import { bronzeObjectKey, goldObjectKey } from '../schemas/lake.js';
import { BronzeTickRowSchema, BronzeTweetRowSchema } from '../schemas/rows.js';
import { runBatch } from './batch-run.js';
import { GOLD_LATEST_RUN_KEY, goldTableObjectKey } from './gold-keys.js';
import { LockHeldError, RunLock } from './run-lock.js';
import { readLatestManifest } from './run-manifest.js';
import { at, putProgress, putTicks, putTweets, readParquet, tick, tweet } from './test-fixture.js';

const D1 = '2026-03-01';
const D2 = '2026-03-02';

let dir: string;
let store: LocalObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-test-'));
  store = await LocalObjectStore.open(join(dir, 'lake'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const run = (extra: Partial<Parameters<typeof runBatch>[0]> = {}) =>
  runBatch({ store, cacheDir: join(dir, 'cache'), ...extra });

const gold = async (table: string, day?: string) =>
  readParquet(store.locate(day ? goldObjectKey(table, day) : goldTableObjectKey(table)));

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stddev = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const pearson = (xs: number[], ys: number[]) => {
  const [mx, my] = [mean(xs), mean(ys)];
  const cov = xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0);
  return (
    cov / Math.sqrt(xs.reduce((a, x) => a + (x - mx) ** 2, 0) * ys.reduce((a, y) => a + (y - my) ** 2, 0))
  );
};

/** BBB: twelve tweets one minute apart, compounds -0.5, -0.4, ..., 0.6. */
const bbbCompounds = Array.from({ length: 12 }, (_, i) => Math.round((i / 10 - 0.5) * 10) / 10);

async function writeFixture() {
  // Day 1's last tweet sits in a date=D2 object (it arrived after D2's first row): the spill case.
  await putTweets(store, D1, [tweet('t0', `${D1}T22:10:00Z`, 0.3, ['AAA'])], 0);
  await putTweets(
    store,
    D2,
    [
      tweet('t1', `${D2}T10:05:00Z`, 0.5, ['AAA']),
      tweet('late', `${D1}T23:55:00Z`, 1.0, ['AAA']),
      tweet('t2', `${D2}T10:20:00Z`, -0.5, ['AAA']),
      tweet('t3', `${D2}T10:40:00Z`, 0.0, ['AAA']),
      tweet('t4', `${D2}T11:10:00Z`, 0.8, ['AAA']),
      tweet('t5', `${D2}T11:30:00Z`, 0.2, ['AAA', 'BBB']),
      tweet('none', `${D2}T11:31:00Z`, 0.9, []),
      tweet('t6', `${D2}T12:15:00Z`, -0.4, ['AAA']),
    ],
    10,
  );
  // A producer retry: t3 again, at another offset of another partition.
  await putTweets(store, D2, [tweet('t3', `${D2}T10:40:00Z`, 0.0, ['AAA'])], 0, 1);
  await putTweets(
    store,
    D2,
    bbbCompounds.map((c, i) =>
      tweet(`b${String(i).padStart(2, '0')}`, `${D2}T14:${String(i).padStart(2, '0')}:00Z`, c, ['BBB']),
    ),
    30,
  );
  await putTicks(
    store,
    D2,
    [
      tick('AAA', `${D2}T10:00:10Z`, 100, 101, 10),
      tick('AAA', `${D2}T10:00:50Z`, 101, 102, 5),
      tick('AAA', `${D2}T10:03:00Z`, 102, 99, 3),
      tick('AAA', `${D2}T10:30:00Z`, 102, 104, 1),
      tick('AAA', `${D2}T11:00:00Z`, 104, 103, 2),
      tick('AAA', `${D2}T11:59:00Z`, 103, 106, 1),
      tick('AAA', `${D2}T12:00:00Z`, 106, 100, 4),
      tick('AAA', `${D2}T12:30:00Z`, 100, 101, 1),
    ],
    0,
  );
  for (const dataset of ['tweets', 'stock_prices'])
    await putProgress(store, dataset, 0, at(`${D2}T13:30:00Z`));
}

describe('gold tables from a known bronze', () => {
  beforeEach(writeFixture);

  it('sentiment_hourly: tweets (a retried id once), mean, shares, the hour open, close and return', async () => {
    await run();
    const rows = (await gold('sentiment_hourly', D2)).filter((r) => r.symbol === 'AAA');
    expect(rows.map((r) => r.hour)).toEqual([
      `${D2}T10:00:00.000Z`,
      `${D2}T11:00:00.000Z`,
      `${D2}T12:00:00.000Z`,
    ]);
    expect(rows[0]).toMatchObject({
      tweets: 3,
      positive_share: 1 / 3,
      neutral_share: 1 / 3,
      negative_share: 1 / 3,
    });
    expect(rows[0]?.mean_compound).toBeCloseTo(0, 12);
    expect(rows[0]).toMatchObject({ open_price: 100, close_price: 104 });
    expect(rows[0]?.price_return).toBeCloseTo(0.04, 12);
    expect(rows[1]).toMatchObject({ tweets: 2, positive_share: 1, open_price: 104, close_price: 106 });
    expect(rows[1]?.mean_compound).toBeCloseTo(0.5, 12);
    expect(rows[2]).toMatchObject({
      tweets: 1,
      mean_compound: -0.4,
      negative_share: 1,
      open_price: 106,
      close_price: 101,
    });
    // The tweet from the date=D2 object that belongs to D1 is in D1's partition.
    const day1 = await gold('sentiment_hourly', D1);
    expect(day1.map((r) => [r.hour, r.tweets, r.mean_compound])).toEqual([
      [`${D1}T22:00:00.000Z`, 1, 0.3],
      [`${D1}T23:00:00.000Z`, 1, 1.0],
    ]);
  });

  it('sentiment_pivot_hourly: one row per hour, one column per symbol with tweets that day', async () => {
    await run();
    const rows = await gold('sentiment_pivot_hourly', D2);
    expect(Object.keys(rows[0] ?? {})).toEqual(['hour', 'AAA', 'BBB']);
    expect(rows.map((r) => [r.hour, r.AAA, r.BBB])).toEqual([
      [`${D2}T10:00:00.000Z`, expect.closeTo(0, 12), null],
      [`${D2}T11:00:00.000Z`, expect.closeTo(0.5, 12), 0.2],
      [`${D2}T12:00:00.000Z`, -0.4, null],
      [`${D2}T14:00:00.000Z`, null, expect.closeTo(mean(bbbCompounds), 12)],
    ]);
    expect(Object.keys((await gold('sentiment_pivot_hourly', D1))[0] ?? {})).toEqual(['hour', 'AAA']);
  });

  it('topic_statistics: count, mean, stddev, exact p50/p95 by linear interpolation, min, max, volatilities', async () => {
    await run();
    const aaa = (await gold('topic_statistics', D2)).find((r) => r.symbol === 'AAA');
    const compounds = [0.5, -0.5, 0.0, 0.8, 0.2, -0.4];
    // Sorted -0.5 -0.4 0 0.2 0.5 0.8: p50 at rank 2.5 → 0.1, p95 at rank 4.75 → 0.5 + 0.75 × 0.3.
    expect(aaa).toMatchObject({ tweets: 6, min_compound: -0.5, max_compound: 0.8 });
    expect(aaa?.mean_compound).toBeCloseTo(0.1, 12);
    expect(aaa?.stddev_compound).toBeCloseTo(stddev(compounds), 12);
    expect(aaa?.p50_compound).toBeCloseTo(0.1, 12);
    expect(aaa?.p95_compound).toBeCloseTo(0.725, 12);
    expect(aaa?.sentiment_volatility).toBeCloseTo(stddev([0, 0.5, -0.4]), 12);
    // Minute closes 102 (10:00), 99, 104, 103, 106, 100, 101: six log returns within the day.
    const closes = [102, 99, 104, 103, 106, 100, 101];
    const returns = closes.slice(1).map((c, i) => Math.log(c / (closes[i] as number)));
    expect(aaa?.price_volatility).toBeCloseTo(stddev(returns), 12);
  });

  it('topic_statistics_all_time: the same figures over every day, merged from the per-day parts', async () => {
    // Three one-minute closes on D1 too (90, 91, 93): two more returns, in another day's part.
    await putTicks(
      store,
      D1,
      [
        tick('AAA', `${D1}T20:00:00Z`, 90, 90, 1),
        tick('AAA', `${D1}T20:01:00Z`, 90, 91, 1),
        tick('AAA', `${D1}T20:02:00Z`, 91, 93, 1),
      ],
      0,
    );
    await run();
    const all = (await gold('topic_statistics_all_time')).find((r) => r.symbol === 'AAA');
    // D1: 0.3, 1.0 ("late"); D2: 0.5, -0.5, 0 (t3 once), 0.8, 0.2, -0.4. Sorted: -0.5 -0.4 0 0.2
    // 0.3 0.5 0.8 1: p50 at rank 3.5 → 0.25, p95 at rank 6.65 → 0.8 + 0.65 × 0.2.
    const compounds = [0.3, 1.0, 0.5, -0.5, 0.0, 0.8, 0.2, -0.4];
    expect(all).toMatchObject({ tweets: 8, min_compound: -0.5, max_compound: 1 });
    expect(all?.mean_compound).toBeCloseTo(mean(compounds), 12);
    expect(all?.stddev_compound).toBeCloseTo(stddev(compounds), 12);
    expect(all?.p50_compound).toBeCloseTo(0.25, 12);
    expect(all?.p95_compound).toBeCloseTo(0.93, 12);
    // Hourly means D1 22:00, 23:00, D2 10:00, 11:00, 12:00.
    expect(all?.sentiment_volatility).toBeCloseTo(stddev([0.3, 1.0, 0, 0.5, -0.4]), 12);
    const dayReturns = (closes: number[]) =>
      closes.slice(1).map((c, i) => Math.log(c / (closes[i] as number)));
    const returns = [...dayReturns([90, 91, 93]), ...dayReturns([102, 99, 104, 103, 106, 100, 101])];
    expect(all?.price_volatility).toBeCloseTo(stddev(returns), 12);
    // BBB: t5 and the twelve; one score each, so p50 interpolates between the 7th and 8th.
    const bbb = (await gold('topic_statistics_all_time')).find((r) => r.symbol === 'BBB');
    const sorted = [0.2, ...bbbCompounds].sort((a, b) => a - b);
    expect(bbb).toMatchObject({ tweets: 13, min_compound: -0.5, max_compound: 0.6 });
    expect(bbb?.p50_compound).toBeCloseTo(sorted[6] as number, 12);
    expect(bbb?.p95_compound).toBeCloseTo(
      (sorted[11] as number) + 0.4 * ((sorted[12] as number) - (sorted[11] as number)),
      12,
    );
  });

  it('trend_analysis: moving_avg_10 over the tweet and the nine before it by (event time, id), looking back to the previous day', async () => {
    // At b05's very time, read after it: the id ("a-tie" < "b05") puts it first.
    await putTweets(store, D2, [tweet('a-tie', `${D2}T14:05:00Z`, 0.9, ['BBB'])], 90);
    await run();
    const rows = await gold('trend_analysis', D2);
    const bbb = rows
      .filter((r) => r.symbol === 'BBB')
      .sort(
        (a, b) =>
          String(a.created_at).localeCompare(String(b.created_at)) ||
          String(a.id).localeCompare(String(b.id)),
      );
    // t5 (11:30, 0.2) comes first, then b00..b04, a-tie, b05..b11.
    const series = [0.2, ...bbbCompounds.slice(0, 5), 0.9, ...bbbCompounds.slice(5)];
    bbb.forEach((r, i) => {
      const window = series.slice(Math.max(0, i - 9), i + 1);
      expect(r.moving_avg_10).toBeCloseTo(mean(window), 12);
      expect(r.window_tweets).toBe(window.length);
    });
    expect(bbb).toHaveLength(14);
    // AAA's first tweet of D2 averages with D1's two (0.3 at 22:10, 1.0 at 23:55).
    const first = rows.find((r) => r.id === 't1');
    expect(first).toMatchObject({ window_tweets: 3 });
    expect(first?.moving_avg_10).toBeCloseTo(mean([0.3, 1.0, 0.5]), 12);
  });

  it('trend_analysis: moving_avg_10 looks back no further than the previous day, even when older days are loaded', async () => {
    const D3 = '2026-03-03';
    await putTweets(store, D3, [tweet('t7', `${D3}T00:30:00Z`, 0.1, ['AAA'])], 100);
    await run({ range: { from: D1, to: D3 } });
    const t7 = (await gold('trend_analysis', D3)).find((r) => r.id === 't7');
    // D2's six AAA tweets (t3 once) and t7; D1's t0 and "late" would make nine.
    expect(t7).toMatchObject({ window_tweets: 7 });
    expect(t7?.moving_avg_10).toBeCloseTo(mean([0.5, -0.5, 0.0, 0.8, 0.2, -0.4, 0.1]), 12);
  });

  it('trend_analysis_hourly: 6 h and 24 h moving averages of hourly sentiment and close', async () => {
    await run();
    const rows = (await gold('trend_analysis_hourly', D2)).filter((r) => r.symbol === 'AAA');
    const h12 = rows.find((r) => r.hour === `${D2}T12:00:00.000Z`);
    expect(h12?.sentiment_ma_6h).toBeCloseTo(mean([0, 0.5, -0.4]), 12);
    // 24 h back from 12:00 reaches D1 22:00 and 23:00.
    expect(h12?.sentiment_ma_24h).toBeCloseTo(mean([0.3, 1.0, 0, 0.5, -0.4]), 12);
    expect(h12?.price_ma_6h).toBeCloseTo(mean([104, 106, 101]), 12);
  });

  it('candles_1m and candles_5m: OHLCV and trade count', async () => {
    await run();
    const m1 = (await gold('candles_1m', D2)).filter((r) => r.symbol === 'AAA');
    expect(m1[0]).toMatchObject({
      minute: `${D2}T10:00:00.000Z`,
      open_price: 100,
      high_price: 103,
      low_price: 99,
      close_price: 102,
      volume: 15,
      trade_count: 2,
    });
    expect(m1).toHaveLength(7);
    const m5 = (await gold('candles_5m', D2)).filter((r) => r.symbol === 'AAA');
    expect(m5[0]).toMatchObject({
      minute: `${D2}T10:00:00.000Z`,
      open_price: 100,
      high_price: 103,
      low_price: 98,
      close_price: 99,
      volume: 18,
      trade_count: 3,
    });
  });

  it('sentiment_price_correlation: Pearson with the same and the next hour return, and the hours it rests on', async () => {
    await run();
    const aaa = (await gold('sentiment_price_correlation', D2)).find((r) => r.symbol === 'AAA');
    const sentiment = [0, 0.5, -0.4];
    const returns = [104 / 100 - 1, 106 / 104 - 1, 101 / 106 - 1];
    expect(aaa).toMatchObject({ same_hour_hours: 3, next_hour_hours: 2 });
    expect(aaa?.corr_same_hour).toBeCloseTo(pearson(sentiment, returns), 12);
    expect(aaa?.corr_next_hour).toBeCloseTo(pearson(sentiment.slice(0, 2), returns.slice(1)), 12);
    expect(Math.abs(aaa?.corr_next_hour as number)).toBeCloseTo(1, 12);
  });

  it('writes timestamps marked UTC, and the partition column only in the path', async () => {
    await run();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const path = store.locate(goldObjectKey('candles_1m', D2));
    const schema = (
      await connection.runAndReadAll(`SELECT name, logical_type FROM parquet_schema('${path}')`)
    ).getRowObjectsJS();
    connection.closeSync();
    instance.closeSync();
    expect(String(schema.find((c) => c.name === 'minute')?.logical_type)).toContain('isAdjustedToUTC=1');
    expect(schema.some((c) => c.name === 'date')).toBe(false);
  });

  it('records the horizon: the end of the last whole hour every bronze partition has passed', async () => {
    const manifest = await run();
    expect(manifest.coveredUntil).toBe(`${D2}T13:00:00.000Z`);
    expect(manifest.status).toBe('complete');
    expect(manifest.inputs).toHaveLength(5);
    const pointer = JSON.parse(new TextDecoder().decode(await store.get(GOLD_LATEST_RUN_KEY)));
    expect(pointer).toMatchObject({ runId: manifest.runId, coveredUntil: manifest.coveredUntil });
    // A partition that has recorded nothing yet holds the horizon back.
    await putProgress(store, 'tweets', 1, null);
    expect((await run()).coveredUntil).toBeNull();
  });
});

describe('runs', () => {
  beforeEach(writeFixture);

  const goldFiles = async () => {
    const files = new Map<string, Buffer>();
    for await (const o of store.list('gold/'))
      if (o.key.endsWith('.parquet')) files.set(o.key, await readFile(store.locate(o.key)));
    return files;
  };

  it('gives byte-identical gold for the same bronze, and a range rerun rewrites exactly its partitions', async () => {
    await run();
    const first = await goldFiles();
    await rm(join(dir, 'lake', 'gold'), { recursive: true });
    await run({ range: { from: D1, to: D2 } });
    const second = await goldFiles();
    expect([...second.keys()]).toEqual([...first.keys()]);
    for (const [key, bytes] of first) expect(second.get(key)?.equals(bytes), key).toBe(true);

    const before = new Map<string, number>();
    for await (const o of store.list('gold/')) before.set(o.key, o.lastModified);
    await new Promise((r) => setTimeout(r, 20));
    const manifest = await run({ range: { from: D1, to: D1 } });
    expect(manifest.dates).toEqual([D1]);
    for await (const o of store.list('gold/')) {
      if (!o.key.endsWith('.parquet')) continue;
      const rewritten = o.lastModified !== before.get(o.key);
      expect(rewritten, o.key).toBe(o.key.includes(`date=${D1}`) || !o.key.includes('date='));
    }
  });

  it('a scheduled run processes only the days new bronze can change, by its rows event times', async () => {
    const first = await run();
    // Rows from D1 22:10 to D2 14:11: D1, D2 and D2's next day, which has no bronze to give it rows.
    expect(first.dates).toEqual([D1, D2]);
    expect((await run()).dates).toEqual([]);
    await putTweets(store, '2026-03-10', [tweet('n1', '2026-03-10T09:00:00Z', 0.6, ['AAA'])], 100);
    const third = await run();
    expect(third.dates).toEqual(['2026-03-10']);
    expect(third.tables.find((t) => t.table === 'sentiment_hourly')?.partitions.map((p) => p.day)).toEqual([
      '2026-03-10',
    ]);
    // It read the new object's bronze only; the all-time figures take the other days from gold.
    expect(third.inputs.map((i) => i.key)).toEqual([expect.stringContaining('/date=2026-03-10/')]);
    expect(third.goldInputs.map((i) => i.key)).toEqual([
      goldObjectKey('topic_compound_counts', D1),
      goldObjectKey('topic_compound_counts', D2),
      goldObjectKey('topic_volatility_parts', D1),
      goldObjectKey('topic_volatility_parts', D2),
    ]);
    const all = (await gold('topic_statistics_all_time')).find((r) => r.symbol === 'AAA');
    expect(all).toMatchObject({ tweets: 9, min_compound: -0.5, max_compound: 1 });
    expect(all?.mean_compound).toBeCloseTo(mean([0.3, 1.0, 0.5, -0.5, 0.0, 0.8, 0.2, -0.4, 0.6]), 12);
    // A row in a day's first hour changes the day before too (its last next-hour return), and the
    // day after is computed once it has bronze.
    await putTweets(store, '2026-03-11', [tweet('n2', '2026-03-11T00:20:00Z', 0.1, ['AAA'])], 200);
    expect((await run()).dates).toEqual(['2026-03-10', '2026-03-11']);
    // Later in the day, a row is look-back context for the next day (now with bronze) only.
    await putTweets(store, '2026-03-10', [tweet('n3', '2026-03-10T15:00:00Z', 0.1, ['AAA'])], 300);
    expect((await run()).dates).toEqual(['2026-03-10', '2026-03-11']);
  });

  it('removes the partitions of a day whose bronze is gone, so the all-time figures no longer count it', async () => {
    await run();
    const day = '2026-03-10';
    await putTweets(store, day, [tweet('n1', `${day}T09:00:00Z`, 0.6, ['AAA'])], 100);
    await run();
    expect((await gold('topic_statistics_all_time')).find((r) => r.symbol === 'AAA')?.tweets).toBe(9);
    const dayKeys = async () => {
      const keys: string[] = [];
      for await (const o of store.list('gold/')) if (o.key.includes(`date=${day}`)) keys.push(o.key);
      return keys.sort();
    };
    const written = await dayKeys();
    expect(written.length).toBeGreaterThan(0);
    for await (const o of store.list(`bronze/tweets/date=${day}/`)) await store.delete(o.key);
    const after = await run();
    expect(after.dates).toContain(day);
    expect(after.removed?.sort()).toEqual(written);
    expect(await dayKeys()).toEqual([]);
    expect((await gold('topic_statistics_all_time')).find((r) => r.symbol === 'AAA')?.tweets).toBe(8);
  });

  it('a range run that leaves new bronze unprocessed lowers the horizon to it, and the next scheduled run takes it', async () => {
    expect((await run()).coveredUntil).toBe(`${D2}T13:00:00.000Z`);
    await putTweets(store, D2, [tweet('t8', `${D2}T09:00:00Z`, 0.1, ['AAA'])], 300);
    const range = await run({ range: { from: '2026-02-20', to: '2026-02-20' } });
    // The new object's row (D2 09:00) can change D2, so D2 on is no longer covered.
    expect(range.coveredUntil).toBe(`${D2}T00:00:00.000Z`);
    const next = await run();
    expect(next.dates).toEqual([D2]);
    expect(next.coveredUntil).toBe(`${D2}T13:00:00.000Z`);
  });

  it('a run killed between partitions leaves every gold object whole and the next run redoes its days', async () => {
    await run();
    const old = await goldFiles();
    const pointer = await store.get(GOLD_LATEST_RUN_KEY);
    await putTweets(store, D2, [tweet('t9', `${D2}T10:50:00Z`, -1, ['AAA'])], 200);
    // Killed once every partition is built but before the first is put: gold is byte for byte the old.
    await expect(
      run({
        beforePublish: () => {
          throw new Error('killed before publishing');
        },
      }),
    ).rejects.toThrow('killed');
    const untouched = await goldFiles();
    for (const [key, bytes] of old) expect(untouched.get(key)?.equals(bytes), key).toBe(true);
    await expect(
      run({
        beforePublish: (_key, i) => {
          if (i === 3) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const after = await goldFiles();
    expect([...after.keys()]).toEqual([...old.keys()]);
    for (const [key] of after)
      await expect(gold(key.split('/')[1] as string, /date=([\d-]+)/.exec(key)?.[1])).resolves.toBeDefined();
    expect(Buffer.from((await store.get(GOLD_LATEST_RUN_KEY)) ?? []).equals(Buffer.from(pointer ?? []))).toBe(
      true,
    );
    // The failed run left its manifest, marked failed; the next run starts from the last complete one.
    const next = await run();
    expect(next.dates).toEqual([D2]);
    const hour10 = (await gold('sentiment_hourly', D2)).find(
      (r) => r.symbol === 'AAA' && r.hour === `${D2}T10:00:00.000Z`,
    );
    expect(hour10?.tweets).toBe(4);
  });

  it('skips a corrupt and a schema-mismatched object naming them, and reads one with extra columns', async () => {
    const corrupt = bronzeObjectKey({
      dataset: 'tweets',
      day: D2,
      partition: 5,
      firstOffset: 0,
      lastOffset: 1,
    });
    await store.put(corrupt, new TextEncoder().encode('not parquet at all'));
    const mismatched = bronzeObjectKey({
      dataset: 'tweets',
      day: D2,
      partition: 6,
      firstOffset: 0,
      lastOffset: 1,
    });
    await store.put(
      mismatched,
      encodeParquet(BronzeTickRowSchema, [tick('AAA', `${D2}T10:00:00Z`, 1, 1, 1)]),
    );
    const Wider = Type.Object({ ...BronzeTweetRowSchema.properties, client: Column.text() });
    const wider = bronzeObjectKey({
      dataset: 'tweets',
      day: D2,
      partition: 7,
      firstOffset: 0,
      lastOffset: 1,
    });
    await store.put(
      wider,
      encodeParquet(Wider, [{ ...tweet('w1', `${D2}T12:45:00Z`, 0.6, ['AAA']), client: 'v2' }]),
    );
    const manifest = await run();
    expect(manifest.errors.map((e) => e.key).sort()).toEqual([corrupt, mismatched].sort());
    expect(manifest.errors.find((e) => e.key === mismatched)?.message).toMatch(/schema mismatch: id missing/);
    expect(manifest.status).toBe('complete');
    const h12 = (await gold('sentiment_hourly', D2)).find(
      (r) => r.symbol === 'AAA' && r.hour === `${D2}T12:00:00.000Z`,
    );
    expect(h12?.tweets).toBe(2);
    expect((await readLatestManifest(store))?.errors).toHaveLength(2);
  });
});

describe('the run lock', () => {
  it('refuses a second run while the first holds it, and takes over an expired lock', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const first = await RunLock.acquire(store, 'first', 60_000, now);
    await expect(RunLock.acquire(store, 'second', 60_000, now)).rejects.toBeInstanceOf(LockHeldError);
    await expect(runBatch({ store, cacheDir: join(dir, 'cache'), now })).rejects.toBeInstanceOf(
      LockHeldError,
    );
    clock += 60_001;
    const second = await RunLock.acquire(store, 'second', 60_000, now);
    await expect(first.confirm()).rejects.toThrow(/lost its lock/);
    await second.release();
    await expect(RunLock.acquire(store, 'third', 60_000, now)).resolves.toBeDefined();
  });

  it('lets one of two runs started together write, and refuses the other', async () => {
    await writeFixture();
    const outcomes = await Promise.allSettled([
      runBatch({ store, cacheDir: join(dir, 'cache') }),
      runBatch({ store, cacheDir: join(dir, 'cache') }),
    ]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(LockHeldError);
  });

  it('lets exactly one of two racing takers win a stale lock', async () => {
    const winners = await Promise.allSettled([
      RunLock.acquire(store, 'a', 60_000),
      RunLock.acquire(store, 'b', 60_000),
      RunLock.acquire(store, 'c', 60_000),
    ]);
    expect(winners.filter((w) => w.status === 'fulfilled')).toHaveLength(1);
  });
});
