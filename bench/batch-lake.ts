/**
 * A generated bronze lake for the batch bench: tweets from the synthetic producer, scored and
 * tagged as the speed layer's stage 1 does (VADER, cashtags), ticks from its price walk, cut into
 * objects by the speed layer's BronzeBatcher and encoded by its Parquet writer under its object
 * names, with its progress records. So the batch reads exactly the files the speed layer writes.
 *
 * The stream runs at a steady rate over `days` (10M tweets over 60 days: ~1.9 tweets/s), with the
 * producer's default 2 s jitter and 1 % late rows; 0.2 % of tweets are sent twice (a producer
 * retry, the same id at a later offset). The last hour is kept apart (`extraDir`): the bench adds
 * it after the full recompute, as new bronze for a scheduled run.
 *
 * Generated once per spec and cached (`~/.cache/market-sentiment/batch-bench/<spec>/`), complete
 * when its `done.json` exists.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { partitionForKey } from '../infra/kafka/partitioner.js';
import { encodeParquet } from '../infra/lake/parquet-writer.js';
import { PriceWalk } from '../producers/price-walk.js';
import { RegimeSchedule } from '../producers/regime-schedule.js';
import { DEFAULT_SYMBOLS } from '../producers/symbols.js';
import { TweetGenerator } from '../producers/tweet-generator.js';
import { BRONZE_DATASETS } from '../schemas/lake.js';
import {
  type BronzeTickRow,
  BronzeTickRowSchema,
  type BronzeTweetRow,
  BronzeTweetRowSchema,
  sentimentLabel,
} from '../schemas/rows.js';
import { DAY_MS, HOUR_MS } from '../schemas/time.js';
import { BronzeBatcher, type BronzeRow, type ClosedBronzeObject } from '../speed-layer/bronze-batcher.js';
import { extractCashtags } from '../speed-layer/cashtags.js';
import { vaderScorer } from '../speed-layer/sentiment/vader.js';

export interface BatchLakeSpec {
  tweets: number;
  days: number;
  /** One tick per symbol every this many seconds. */
  tickSeconds: number;
  partitions: number;
  /** The speed layer's BRONZE_MAX_SPAN for this stream (a low-rate stream is set to cut hourly). */
  maxSpanMs: number;
  startMs: number;
}

export interface BatchLake {
  spec: BatchLakeSpec;
  /** The lake (bronze/) without the last hour. */
  baseDir: string;
  /** The last hour's bronze objects, laid out as in a lake, and its progress records. */
  extraDir: string;
  /** First gold day and last. */
  firstDay: string;
  lastDay: string;
  tweetObjects: number;
  tickObjects: number;
  ticks: number;
}

const SYMBOLS = DEFAULT_SYMBOLS;
const SEED = 'batch-bench';

export function specName(spec: BatchLakeSpec): string {
  return `t${spec.tweets}-d${spec.days}-k${spec.tickSeconds}-p${spec.partitions}-s${spec.maxSpanMs / 60_000}m`;
}

export function batchLakeDir(spec: BatchLakeSpec): string {
  return join(homedir(), '.cache', 'market-sentiment', 'batch-bench', specName(spec));
}

interface Sink {
  dir: (eventTime: number) => string;
  objects: number;
}

async function writeObjects<R extends BronzeRow>(
  closed: ClosedBronzeObject<R[]>[],
  schema: typeof BronzeTweetRowSchema | typeof BronzeTickRowSchema,
  sink: Sink,
  timeOf: (row: R) => number,
): Promise<void> {
  for (const object of closed) {
    const path = join(sink.dir(timeOf(object.rows[0] as R)), ...object.key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, encodeParquet(schema, object.rows as never));
    sink.objects++;
  }
}

async function writeProgress(
  dir: string,
  dataset: string,
  partition: number,
  until: number,
  lastOffset: number,
) {
  const path = join(dir, 'bronze', '_progress', dataset, `p${partition}.json`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify({ lastOffset, completeUntil: until, updatedAt: until }));
}

/** The cached lake for `spec`, generated first if it is not there yet. */
export async function batchLake(spec: BatchLakeSpec, log: (line: string) => void): Promise<BatchLake> {
  const root = batchLakeDir(spec);
  const done = join(root, 'done.json');
  const baseDir = join(root, 'base');
  const extraDir = join(root, 'extra');
  const endMs = spec.startMs + spec.days * DAY_MS;
  const cutMs = endMs - HOUR_MS;
  const lake = (counts: { tweetObjects: number; tickObjects: number; ticks: number }): BatchLake => ({
    spec,
    baseDir,
    extraDir,
    firstDay: new Date(spec.startMs).toISOString().slice(0, 10),
    lastDay: new Date(endMs - 1).toISOString().slice(0, 10),
    ...counts,
  });
  if (existsSync(done)) {
    const { readFile } = await import('node:fs/promises');
    return lake(JSON.parse(await readFile(done, 'utf8')));
  }
  await rm(root, { recursive: true, force: true });
  log(`generating bronze: ${spec.tweets} tweets over ${spec.days} days into ${root}`);
  const started = performance.now();
  // Rows stamped before the cut go to the base lake; an object is placed by its first row.
  const sink: Sink = { dir: (t) => (t < cutMs ? baseDir : extraDir), objects: 0 };
  const tickSink: Sink = { dir: sink.dir, objects: 0 };
  const schedule = new RegimeSchedule({ seed: SEED });
  const timeline = { clock: 'virtual' as const, startMs: spec.startMs, jitterMs: 2000, lateRatio: 0.01 };
  const tweets = new TweetGenerator({
    seed: SEED,
    symbols: SYMBOLS,
    schedule,
    timeline: { ...timeline, ratePerSecond: spec.tweets / ((endMs - spec.startMs) / 1000) },
  });
  const tickCount = Math.floor((endMs - spec.startMs) / (spec.tickSeconds * 1000)) * SYMBOLS.length;
  const prices = new PriceWalk({
    seed: SEED,
    symbols: SYMBOLS,
    schedule,
    timeline: { ...timeline, ratePerSecond: tickCount / ((endMs - spec.startMs) / 1000) },
  });
  const scorer = vaderScorer();
  const batcher = <R extends BronzeRow>(dataset: 'tweets' | 'stock_prices', partition: number) =>
    new BronzeBatcher<R>({
      dataset: dataset === 'tweets' ? BRONZE_DATASETS.tweets.name : BRONZE_DATASETS.stockPrices.name,
      partition,
      maxRows: 200_000,
      maxSpanMs: spec.maxSpanMs,
      maxAgeMs: Number.MAX_SAFE_INTEGER,
      newRows: () => [],
    });
  const partitions = Array.from({ length: spec.partitions }, (_, p) => p);
  const tweetBatchers = partitions.map((p) => batcher<BronzeTweetRow>('tweets', p));
  const tickBatchers = partitions.map((p) => batcher<BronzeTickRow>('stock_prices', p));
  const tweetOffsets = partitions.map(() => 0);
  const tickOffsets = partitions.map(() => 0);
  const tweetTime = (r: BronzeTweetRow) => r.created_at;
  const tickTime = (r: BronzeTickRow) => r.trade_timestamp;
  // Objects are cut before the last hour as a running speed layer's would be by its age rule.
  let flushedAtCut = false;
  const flushAll = async () => {
    for (const b of tweetBatchers) await writeObjects(b.flush(), BronzeTweetRowSchema, sink, tweetTime);
    for (const b of tickBatchers) await writeObjects(b.flush(), BronzeTickRowSchema, tickSink, tickTime);
  };
  let nextTick = prices.next();
  let ticks = 0;
  let duplicateDraw = 0;
  for (let i = 0; i < spec.tweets; i++) {
    const t = tweets.next();
    while (ticks < tickCount && nextTick.trade_timestamp <= t.created_at) {
      const p = partitionForKey(nextTick.symbol, spec.partitions);
      const row: BronzeTickRow = {
        ...nextTick,
        source_partition: p,
        source_offset: tickOffsets[p] as number,
        ingested_at: nextTick.trade_timestamp + 1000,
      };
      tickOffsets[p] = (tickOffsets[p] as number) + 1;
      await writeObjects(
        (tickBatchers[p] as BronzeBatcher<BronzeTickRow>).add(row, row.ingested_at),
        BronzeTickRowSchema,
        tickSink,
        tickTime,
      );
      ticks++;
      nextTick = prices.next();
    }
    if (!flushedAtCut && t.created_at >= cutMs) {
      await flushAll();
      flushedAtCut = true;
    }
    const scores = scorer.score(t.text);
    const p = partitionForKey(t.id, spec.partitions);
    // A deterministic 0.2 % of tweets is sent twice (the same id at the next offset).
    duplicateDraw = (duplicateDraw * 1_103_515_245 + 12_345 + i) % 2_147_483_648;
    const copies = duplicateDraw % 500 === 0 ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const row: BronzeTweetRow = {
        id: t.id,
        created_at: t.created_at,
        text: t.text,
        user_id: t.user_id,
        symbols: extractCashtags(t.text),
        compound: scores.compound,
        pos: scores.pos,
        neu: scores.neu,
        neg: scores.neg,
        label: sentimentLabel(scores.compound),
        source_partition: p,
        source_offset: tweetOffsets[p] as number,
        ingested_at: t.created_at + 1000,
      };
      tweetOffsets[p] = (tweetOffsets[p] as number) + 1;
      await writeObjects(
        (tweetBatchers[p] as BronzeBatcher<BronzeTweetRow>).add(row, row.ingested_at),
        BronzeTweetRowSchema,
        sink,
        tweetTime,
      );
    }
    if (i % 1_000_000 === 999_999)
      log(`  ${i + 1} tweets (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  await flushAll();
  // Progress as the speed layer records it: the base lake complete up to the cut, the extra hour to the end.
  for (const p of partitions) {
    await writeProgress(baseDir, 'tweets', p, cutMs, (tweetOffsets[p] as number) - 1);
    await writeProgress(baseDir, 'stock_prices', p, cutMs, (tickOffsets[p] as number) - 1);
    await writeProgress(extraDir, 'tweets', p, endMs, (tweetOffsets[p] as number) - 1);
    await writeProgress(extraDir, 'stock_prices', p, endMs, (tickOffsets[p] as number) - 1);
  }
  const counts = { tweetObjects: sink.objects, tickObjects: tickSink.objects, ticks };
  await writeFile(done, JSON.stringify(counts));
  log(
    `generated ${spec.tweets} tweets, ${ticks} ticks in ${counts.tweetObjects} + ${counts.tickObjects} objects (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  return lake(counts);
}
