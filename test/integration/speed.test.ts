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
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, openBackends } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import { sleep } from '../../infra/retry.js';
import { PriceWalk } from '../../producers/price-walk.js';
import { tickJson, tweetJson } from '../../producers/synthetic-source.js';
import { TweetGenerator } from '../../producers/tweet-generator.js';
import { TABLES } from '../../schemas/cassandra.js';
import { parseBronzeObjectKey } from '../../schemas/lake.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';
import { extractCashtags } from '../../speed-layer/cashtags.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'bin', 'sentiment.js');
const TWEETS = 20_000;
const TICKS = 5_000;
const START = Date.UTC(2025, 0, 6, 14, 30);

interface Fixture {
  dir: string;
  tweetsFile: string;
  ticksFile: string;
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
async function writeFixture(lateRatio: number): Promise<Fixture> {
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
  for (let i = 0; i < 30; i++)
    tweetLines.push(
      tweetJson({
        id: String(9_000_000_000 + i),
        created_at: closeAt,
        text: 'end of the run',
        user_id: 'closing',
      }),
    );
  for (const symbol of symbols)
    tickLines.push(
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
  return {
    dir,
    tweetsFile,
    ticksFile,
    pairs,
    pairsBySymbol,
    symbols: [...symbols].sort(),
    days: [...days].sort(),
    lastEventTime: last,
    bronzeTweets: tweetLines.length,
    bronzeTicks: tickLines.length,
  };
}

/** The environment of one isolated deployment on the shared servers. */
function deployment(name: string): NodeJS.ProcessEnv {
  const id = `${name}${randomUUID().slice(0, 6)}`;
  return {
    ...process.env,
    KAFKA_TOPIC_PREFIX: `it-speed-${id}.`,
    KAFKA_GROUP_ID: `it-speed-${id}`,
    CASSANDRA_KEYSPACE: `it_speed_${id.replaceAll('-', '_')}`,
    S3_BUCKET: `it-speed-${id}`,
    BRONZE_MAX_AGE: '3s',
    SPEED_IDLE_TIMEOUT: '5s',
    LOG_LEVEL: 'warn',
  };
}

async function replay(env: NodeJS.ProcessEnv, file: string, topic: string): Promise<void> {
  await run(process.execPath, [cli, 'produce', 'replay', '--file', file, '--topic', topic], {
    env,
    cwd: root,
  });
}

function startSpeed(env: NodeJS.ProcessEnv, metricsPort: number): ChildProcess {
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

async function stopSpeed(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

/** The sum of a metric's samples whose labels contain `labels`, from a /metrics endpoint. */
async function metric(port: number, name: string, labels: string): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return body
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
    .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

async function openReader(env: NodeJS.ProcessEnv): Promise<Backends> {
  return openBackends(loadConfig(env), pino({ level: 'silent' }));
}

async function countBronze(b: Backends, dataset: string): Promise<{ rows: number; distinctOffsets: number }> {
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

async function finalMinutes(b: Backends, f: Fixture): Promise<SentimentMinuteRow[]> {
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

async function tweetRowsBySymbol(b: Backends, f: Fixture): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const symbol of f.symbols)
    for (const day of f.days) {
      const rows = await b.viewStore.query(TABLES.tweetsBySymbol.name, { partition: { symbol, day } });
      if (rows.length > 0) counts.set(symbol, (counts.get(symbol) ?? 0) + rows.length);
    }
  return counts;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

const sum = (rows: SentimentMinuteRow[]) => rows.reduce((n, r) => n + r.tweet_count, 0);
/** What a minute row says, without processing-time columns. */
const minuteKey = (r: SentimentMinuteRow) =>
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
    await Promise.all([replay(env, f.tweetsFile, 'tweets'), replay(env, f.ticksFile, 'stock-prices')]);

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
    await Promise.all([
      replay(single, f.tweetsFile, 'tweets'),
      replay(single, f.ticksFile, 'stock-prices'),
      replay(pair, f.tweetsFile, 'tweets'),
      replay(pair, f.ticksFile, 'stock-prices'),
    ]);
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
