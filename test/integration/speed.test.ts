/**
 * `sentiment speed` on real Kafka, Cassandra and MinIO, checked the way a user would: seeded
 * files of tweets and ticks go in through `sentiment produce replay`, and what landed is counted
 * against what was produced — bronze rows per tweet, `tweets_by_symbol` rows per (tweet, symbol),
 * and final minute counts against the pairs that were not late (the speed layer's own late
 * counter, read from its /metrics). Then two `sentiment speed` processes in one group must write
 * the same final minute rows as one.
 *
 * Every run uses its own topic prefix, keyspace and bucket, so runs never see each other's data.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backends } from '../../infra/backends.js';
import {
  countBronze,
  deployment,
  type Fixture,
  finalMinutes,
  metric,
  minuteKey,
  openReader,
  replayFixture,
  startSpeed,
  stopSpeed,
  sum,
  tweetRowsBySymbol,
  until,
  writeFixture,
} from './speed-harness.js';

describe('sentiment speed on real Kafka, Cassandra and MinIO', () => {
  let withLate: Fixture;
  let inOrder: Fixture;
  const children: ChildProcess[] = [];
  const readers: Backends[] = [];

  beforeAll(async () => {
    [withLate, inOrder] = await Promise.all([writeFixture(0.03), writeFixture(0)]);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const r of readers) await r.close();
    await rm(withLate.dir, { recursive: true, force: true });
    await rm(inOrder.dir, { recursive: true, force: true });
  });

  it('writes one bronze row per tweet, one tweets_by_symbol row per (tweet, symbol), and final minutes that add up to the pairs that were not late', async () => {
    const f = withLate;
    const env = deployment('one');
    const reader = await openReader(env);
    readers.push(reader);
    const port = 19_400 + Math.floor(Math.random() * 500);
    const speed = startSpeed(env, port);
    children.push(speed);
    await replayFixture(env, f);

    let late = 0;
    await until(
      'every non-late pair in a final minute',
      async () => {
        late = await metric(port, 'speed_late_rows_total', 'kind="mention"');
        return sum(await finalMinutes(reader, f)) + late >= f.pairs;
      },
      240_000,
    );
    await until(
      'bronze complete',
      async () => (await countBronze(reader, 'tweets')).rows >= f.bronzeTweets,
      60_000,
    );
    await until(
      'bronze ticks complete',
      async () => (await countBronze(reader, 'stock_prices')).rows >= f.bronzeTicks,
      60_000,
    );
    const finalCount = sum(await finalMinutes(reader, f));
    const bronzeTweets = await countBronze(reader, 'tweets');
    const bronzeTicks = await countBronze(reader, 'stock_prices');
    const tweetRows = await tweetRowsBySymbol(reader, f);
    const tweetRowTotal = [...tweetRows.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(
      [
        'speed on real servers:',
        `  bronze tweet rows ${bronzeTweets.rows} (distinct offsets ${bronzeTweets.distinctOffsets}) vs tweets produced ${f.bronzeTweets}`,
        `  bronze tick rows ${bronzeTicks.rows} (distinct offsets ${bronzeTicks.distinctOffsets}) vs ticks produced ${f.bronzeTicks}`,
        `  tweets_by_symbol rows ${tweetRowTotal} vs (tweet, symbol) pairs ${f.pairs}`,
        `  final minute tweets ${finalCount} + late ${late} = ${finalCount + late} vs pairs ${f.pairs}`,
        '',
      ].join('\n'),
    );
    expect(bronzeTweets).toEqual({ rows: f.bronzeTweets, distinctOffsets: f.bronzeTweets });
    expect(bronzeTicks).toEqual({ rows: f.bronzeTicks, distinctOffsets: f.bronzeTicks });
    expect(Object.fromEntries(tweetRows)).toEqual(Object.fromEntries(f.pairsBySymbol));
    expect(late).toBeGreaterThan(0);
    expect(finalCount + late).toBe(f.pairs);
    expect(await stopSpeed(speed)).toBe(0);
  });

  it('two instances in one group write the same final minute rows as one instance', async () => {
    const f = inOrder;
    const single = deployment('single');
    const pair = deployment('pair');
    const [singleReader, pairReader] = await Promise.all([openReader(single), openReader(pair)]);
    readers.push(singleReader, pairReader);
    const base = 19_950 + Math.floor(Math.random() * 40);
    const one = startSpeed(single, base);
    const a = startSpeed(pair, base + 1);
    const b = startSpeed(pair, base + 2);
    children.push(one, a, b);
    await Promise.all([replayFixture(single, f), replayFixture(pair, f)]);
    for (const [name, reader] of [
      ['one instance', singleReader],
      ['two instances', pairReader],
    ] as const)
      await until(
        `${name}: every pair in a final minute`,
        async () => sum(await finalMinutes(reader, f)) >= f.pairs,
        240_000,
      );
    const [alone, together] = await Promise.all([finalMinutes(singleReader, f), finalMinutes(pairReader, f)]);
    const lateA = await metric(base + 1, 'speed_late_rows_total', 'kind="mention"');
    const lateB = await metric(base + 2, 'speed_late_rows_total', 'kind="mention"');
    process.stdout.write(
      `two instances: ${together.length} final minute rows, ${sum(together)} tweets (late ${lateA + lateB}); one instance: ${alone.length} rows, ${sum(alone)} tweets; pairs ${f.pairs}\n`,
    );
    // Both members of the pair did part of the work.
    for (const port of [base + 1, base + 2])
      expect(await metric(port, 'speed_messages_consumed_total', 'topic=')).toBeGreaterThan(0);
    expect(together.map(minuteKey)).toEqual(alone.map(minuteKey));
    // Replayed in event-time order at full speed through the re-keying: nothing is late.
    expect(lateA + lateB + (await metric(base, 'speed_late_rows_total', 'kind="mention"'))).toBe(0);
    expect(sum(alone)).toBe(f.pairs);
    expect(await Promise.all([stopSpeed(one), stopSpeed(a), stopSpeed(b)])).toEqual([0, 0, 0]);
  });
});
