/**
 * What the speed layer's integration tests share: seeded input files, one isolated deployment per
 * run (topic prefix, keyspace, bucket), `sentiment speed` as a child process, and counting what
 * landed in Kafka's sinks — bronze in MinIO, the views in Cassandra.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import cassandra from 'cassandra-driver';
import { readParquet } from 'parquet-wasm';
import pino from 'pino';
import { expect, onTestFinished } from 'vitest';
import { type Backends, openBackends } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import { sleep } from '../../infra/retry.js';
import { PriceWalk } from '../../producers/price-walk.js';
import { tickJson, tweetJson } from '../../producers/synthetic-source.js';
import { TweetGenerator } from '../../producers/tweet-generator.js';
import { TABLES } from '../../schemas/cassandra.js';
import { parseBronzeObjectKey } from '../../schemas/lake.js';
import type { SentimentMinuteRow, TweetBySymbolRow } from '../../schemas/rows.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';
import { extractCashtags } from '../../speed-layer/cashtags.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'bin', 'sentiment.js');
export const TWEETS = 20_000;
export const TICKS = 5_000;
export const START = Date.UTC(2025, 0, 6, 14, 30);

export interface Fixture {
  dir: string;
  tweetsFile: string;
  ticksFile: string;
  /** Events ten minutes after the rest, replayed last: they make every window final. */
  closingTweetsFile: string;
  closingTicksFile: string;
  pairs: number;
  /** (tweet id, symbol) pairs per symbol */
  pairsBySymbol: Map<string, number>;
  symbols: string[];
  days: string[];
  lastEventTime: number;
  bronzeTweets: number;
  bronzeTicks: number;
}

/** Seeded tweets at 100/s and ticks at 25/s over the same 200 s, then events ten minutes on. */
export async function writeFixture(lateRatio: number): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'it-speed-'));
  const tweets = new TweetGenerator({
    seed: 'it-speed',
    timeline: { clock: 'virtual', startMs: START, ratePerSecond: 100, jitterMs: 2000, lateRatio },
  });
  const walk = new PriceWalk({
    seed: 'it-speed',
    timeline: { clock: 'virtual', startMs: START, ratePerSecond: 25, jitterMs: 0, lateRatio: 0 },
  });
  const tweetLines: string[] = [];
  const pairsBySymbol = new Map<string, number>();
  let pairs = 0;
  let last = START;
  const days = new Set<string>();
  for (let i = 0; i < TWEETS; i++) {
    const t = tweets.next();
    tweetLines.push(tweetJson(t));
    for (const s of extractCashtags(t.text)) {
      pairsBySymbol.set(s, (pairsBySymbol.get(s) ?? 0) + 1);
      pairs++;
    }
    last = Math.max(last, t.created_at);
    days.add(utcDay(t.created_at));
  }
  const tickLines: string[] = [];
  const symbols = new Set<string>();
  for (let i = 0; i < TICKS; i++) {
    const k = walk.next();
    tickLines.push(tickJson(k));
    symbols.add(k.symbol);
    last = Math.max(last, k.trade_timestamp);
  }
  // Closing events: they move every partition's event time past the last window, so every
  // window becomes final. Tweets without cashtags add bronze rows and nothing else.
  const closeAt = last + 10 * MINUTE_MS;
  const closingTweets: string[] = [];
  const closingTicks: string[] = [];
  for (let i = 0; i < 30; i++)
    closingTweets.push(
      tweetJson({
        id: String(9_000_000_000 + i),
        created_at: closeAt,
        text: 'end of the run',
        user_id: 'closing',
      }),
    );
  for (const symbol of symbols)
    closingTicks.push(
      tickJson({
        symbol,
        trade_timestamp: closeAt,
        open_price: 1,
        high_price: 1,
        low_price: 1,
        close_price: 1,
        volume: 1,
      }),
    );
  days.add(utcDay(closeAt));
  const tweetsFile = join(dir, 'tweets.jsonl');
  const ticksFile = join(dir, 'ticks.jsonl');
  await writeFile(tweetsFile, `${tweetLines.join('\n')}\n`);
  await writeFile(ticksFile, `${tickLines.join('\n')}\n`);
  const closingTweetsFile = join(dir, 'closing-tweets.jsonl');
  const closingTicksFile = join(dir, 'closing-ticks.jsonl');
  await writeFile(closingTweetsFile, `${closingTweets.join('\n')}\n`);
  await writeFile(closingTicksFile, `${closingTicks.join('\n')}\n`);
  return {
    dir,
    tweetsFile,
    ticksFile,
    closingTweetsFile,
    closingTicksFile,
    pairs,
    pairsBySymbol,
    symbols: [...symbols].sort(),
    days: [...days].sort(),
    lastEventTime: last,
    bronzeTweets: tweetLines.length + closingTweets.length,
    bronzeTicks: tickLines.length + closingTicks.length,
  };
}

/**
 * The environment of one isolated deployment on the shared servers, for use inside a test. Its
 * keyspace is dropped when the test passes (kept when it fails, to look into): 80 keyspaces left
 * by earlier runs had Cassandra spend a core at 7,500 rows/s and slowed every later test and
 * bench on the node. Its topics and bucket stay; they cost the servers next to nothing.
 */
export function deployment(name: string): NodeJS.ProcessEnv {
  const id = `${name}${randomUUID().slice(0, 6)}`;
  const keyspace = `it_speed_${id.replaceAll('-', '_')}`;
  onTestFinished(async (context) => {
    if (context.task.result?.state === 'fail') return;
    const client = new cassandra.Client({
      contactPoints: (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042').split(','),
      localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
    });
    try {
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
    } catch (error) {
      // The test's own result stands; a keyspace left behind is only untidy.
      process.stderr.write(`keyspace ${keyspace} not dropped: ${(error as Error).message}\n`);
    } finally {
      await client.shutdown();
    }
  });
  return {
    ...process.env,
    KAFKA_TOPIC_PREFIX: `it-speed-${id}.`,
    KAFKA_GROUP_ID: `it-speed-${id}`,
    CASSANDRA_KEYSPACE: keyspace,
    S3_BUCKET: `it-speed-${id}`,
    BRONZE_MAX_AGE: '3s',
    SPEED_IDLE_TIMEOUT: '5s',
    LOG_LEVEL: 'info',
  };
}

/** `sentiment produce replay` of a file; `speed` as its --speed (default max). */
export async function replay(
  env: NodeJS.ProcessEnv,
  file: string,
  topic: string,
  speed = 'max',
): Promise<void> {
  await run(
    process.execPath,
    [cli, 'produce', 'replay', '--file', file, '--topic', topic, '--speed', speed],
    {
      env,
      cwd: root,
    },
  );
}

/** Replays a fixture: tweets and ticks side by side, then the closing events. */
export async function replayFixture(env: NodeJS.ProcessEnv, f: Fixture, speed = 'max'): Promise<void> {
  await Promise.all([
    replay(env, f.tweetsFile, 'tweets', speed),
    replay(env, f.ticksFile, 'stock-prices', speed),
  ]);
  await Promise.all([
    replay(env, f.closingTweetsFile, 'tweets'),
    replay(env, f.closingTicksFile, 'stock-prices'),
  ]);
}

export function startSpeed(env: NodeJS.ProcessEnv, metricsPort: number): ChildProcess {
  const child = spawn(process.execPath, [cli, 'speed'], {
    env: { ...env, METRICS_PORT: String(metricsPort) },
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (/"level":(50|60)/.test(text)) process.stderr.write(`speed ${child.pid}: ${text}`);
  });
  return child;
}

export async function stopSpeed(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** The sum of a metric's samples whose labels contain `labels`, from a /metrics endpoint. */
export async function metric(port: number, name: string, labels: string): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return body
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

export async function openReader(env: NodeJS.ProcessEnv): Promise<Backends> {
  return openBackends(loadConfig(env), pino({ level: 'silent' }));
}

export async function countBronze(
  b: Backends,
  dataset: string,
): Promise<{ rows: number; distinctOffsets: number }> {
  let rows = 0;
  const offsets = new Set<string>();
  for await (const o of b.objectStore.list(`bronze/${dataset}/`)) {
    if (!parseBronzeObjectKey(o.key)) continue;
    const bytes = (await b.objectStore.get(o.key)) as Uint8Array;
    const table = tableFromIPC(readParquet(bytes).intoIPCStream());
    rows += table.numRows;
    const partitions = table.getChild('source_partition')?.toArray() as Int32Array;
    const positions = table.getChild('source_offset')?.toArray() as BigInt64Array;
    for (let i = 0; i < table.numRows; i++) offsets.add(`${partitions[i]}/${positions[i]}`);
  }
  return { rows, distinctOffsets: offsets.size };
}

export async function finalMinutes(b: Backends, f: Fixture): Promise<SentimentMinuteRow[]> {
  const rows: SentimentMinuteRow[] = [];
  for (const symbol of f.symbols)
    for (const day of f.days)
      rows.push(
        ...(
          await b.viewStore.query<SentimentMinuteRow>(TABLES.sentimentByMinute.name, {
            partition: { symbol, day },
          })
        ).filter((r) => r.final && r.minute <= f.lastEventTime),
      );
  return rows.sort((a, b) => a.symbol.localeCompare(b.symbol) || a.minute - b.minute);
}

export async function tweetRowsBySymbol(b: Backends, f: Fixture): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const symbol of f.symbols)
    for (const day of f.days) {
      const rows = await b.viewStore.query(TABLES.tweetsBySymbol.name, { partition: { symbol, day } });
      if (rows.length > 0) counts.set(symbol, (counts.get(symbol) ?? 0) + rows.length);
    }
  return counts;
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

export const sum = (rows: SentimentMinuteRow[]) => rows.reduce((n, r) => n + r.tweet_count, 0);
/** What a minute row says, without processing-time columns. */
export const minuteKey = (r: SentimentMinuteRow) =>
  JSON.stringify([
    r.symbol,
    r.minute,
    r.tweet_count,
    r.positive_count,
    r.negative_count,
    r.compound_sum.toFixed(6),
    r.tick_count,
    r.close_price,
    r.tweet_count_5m,
  ]);

/** The stage-2 decision on every tweets_by_symbol row: late, on time, or not decided (yet). */
export async function lateDecisions(
  b: Backends,
  f: Fixture,
): Promise<{ late: number; onTime: number; undecided: number }> {
  const counts = { late: 0, onTime: 0, undecided: 0 };
  for (const symbol of f.symbols)
    for (const day of f.days)
      for (const row of await b.viewStore.query<TweetBySymbolRow>(TABLES.tweetsBySymbol.name, {
        partition: { symbol, day },
      })) {
        if (row.late === true) counts.late++;
        else if (row.late === false) counts.onTime++;
        else counts.undecided++;
      }
  return counts;
}

/** Spawns `sentiment speed` and resolves with how it ended. */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Waits until the deployment has drained `f`, prints the compared totals, and expects them exact:
 * bronze rows = events (no offset twice), tweets_by_symbol rows = pairs, every pair decided, and
 * final minute counts = the pairs decided on time.
 */
export async function expectExact(
  label: string,
  reader: Backends,
  f: Fixture,
  env: NodeJS.ProcessEnv,
  /**
   * Also every tick in its minute's candle. Not through server outages: a tick partition whose
   * end cannot be read while Kafka is down may be taken for idle, and a tick after it is late.
   */
  options: { ticksInCandles?: boolean } = {},
): Promise<void> {
  // What was produced is what the topics hold: the producer is at-least-once, so a broker restart
  // can store a retried batch twice (at new offsets), and each stored message is a bronze row.
  const names = loadConfig(env).topics.names;
  const inTopic = async (topic: string) =>
    [...(await reader.eventLog.endOffsets(topic)).values()].reduce((a, b) => a + b, 0);
  const [tweetsInTopic, ticksInTopic] = await Promise.all([inTopic(names.tweets), inTopic(names.prices)]);
  let decided = { late: 0, onTime: 0, undecided: 0 };
  await until(
    `${label}: every pair decided and counted`,
    async () => {
      decided = await lateDecisions(reader, f);
      return decided.late + decided.onTime >= f.pairs && sum(await finalMinutes(reader, f)) >= decided.onTime;
    },
    300_000,
  );
  await until(
    `${label}: bronze`,
    async () => (await countBronze(reader, 'tweets')).rows >= tweetsInTopic,
    90_000,
  );
  await until(
    `${label}: bronze ticks`,
    async () => (await countBronze(reader, 'stock_prices')).rows >= ticksInTopic,
    90_000,
  );
  await sleep(2000);
  const finals = await finalMinutes(reader, f);
  const finalCount = sum(finals);
  const candleTicks = finals.reduce((n, r) => n + r.tick_count, 0);
  const bronzeTweets = await countBronze(reader, 'tweets');
  const bronzeTicks = await countBronze(reader, 'stock_prices');
  const tweetRows = await tweetRowsBySymbol(reader, f);
  decided = await lateDecisions(reader, f);
  process.stdout.write(
    [
      `${label}:`,
      `  bronze tweet rows ${bronzeTweets.rows} (distinct offsets ${bronzeTweets.distinctOffsets}) vs tweets in the topic ${tweetsInTopic} (file: ${f.bronzeTweets})`,
      `  bronze tick rows ${bronzeTicks.rows} (distinct offsets ${bronzeTicks.distinctOffsets}) vs ticks in the topic ${ticksInTopic} (file: ${f.bronzeTicks})`,
      `  tweets_by_symbol rows ${[...tweetRows.values()].reduce((a, b) => a + b, 0)} vs pairs ${f.pairs} (late ${decided.late}, on time ${decided.onTime})`,
      `  final minute tweets ${finalCount} vs pairs on time ${decided.onTime}`,
      `  final minute ticks ${candleTicks} vs ticks produced ${TICKS} (none late by design)`,
      '',
    ].join('\n'),
  );
  expect(bronzeTweets).toEqual({ rows: tweetsInTopic, distinctOffsets: tweetsInTopic });
  expect(bronzeTicks).toEqual({ rows: ticksInTopic, distinctOffsets: ticksInTopic });
  expect(tweetsInTopic).toBeGreaterThanOrEqual(f.bronzeTweets);
  expect(ticksInTopic).toBeGreaterThanOrEqual(f.bronzeTicks);
  expect(Object.fromEntries(tweetRows)).toEqual(Object.fromEntries(f.pairsBySymbol));
  expect(decided.late + decided.onTime).toBe(f.pairs);
  expect(finalCount).toBe(decided.onTime);
  if (options.ticksInCandles) expect(candleTicks).toBe(TICKS);
}
