/**
 * The speed layer on the real servers (issue 10, item 6), with Spark Structured Streaming as the
 * anchor, in one run on one isolated deployment (topic prefix, group, keyspace, bucket):
 *
 *  1. N seeded tweets (and ticks over the same event time) pre-produced into a fresh prefix;
 *  2. Spark (bench/spark/streaming_anchor.py): the seed documents' query on that topic, no sinks;
 *  3. ours on the identical work through our Kafka consumer, no sinks (speed-real/operators-runner.ts);
 *  4. `sentiment speed` as a child process with every sink on, until the sinks hold all N
 *     (bronze progress and stage 2's commits of the internal topic), with CPU per process,
 *     the speed layer's RSS each second and its sink-latency histograms;
 *  5. with the same process running: publication → Cassandra latency at a paced 5,000 tweets/s.
 *
 * Sizes: SPEED_REAL_TWEETS (default 1,500,000), SPEED_REAL_LATENCY_SECONDS (60),
 * SPEED_REAL_SAMPLE_EVERY (250: one tweet with a cashtag in that many is probed),
 * SPEED_REAL_PARTITIONS (4: two members of a group, or Spark's two task slots, get even shares),
 * SPEED_REAL_SKIP_SPARK=1 to leave the anchor out, SPEED_REAL_KEEP=1 to keep the keyspace afterwards.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import cassandra from 'cassandra-driver';
import pino from 'pino';
import { openBackends } from '../infra/backends.js';
import { loadConfig } from '../infra/config.js';
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import { sleep } from '../infra/retry.js';
import { PriceWalk } from '../producers/price-walk.js';
import { tickMessage, tweetMessage } from '../producers/synthetic-source.js';
import { TweetGenerator } from '../producers/tweet-generator.js';
import { parseBronzeObjectKey } from '../schemas/lake.js';
import { mentionsTopic } from '../schemas/speed.js';
import { extractCashtags } from '../speed-layer/cashtags.js';
import { countBronze, metric } from '../test/integration/speed-harness.js';
import { type Comparison, report } from './harness.js';
import { measureLatency, percentile } from './speed-real/latency-probe.js';
import { type OperatorsRun, runOperators } from './speed-real/operators-runner.js';
import { CpuWindow, loadAverage, rssMiB } from './speed-real/process-sampler.js';

const root = join(import.meta.dirname, '..');

/** The series of histogram `name` in a /metrics body, by series name and labels. */
function histogramSeries(body: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}_`)) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/**
 * Histogram `name` between two /metrics bodies, per label set: count, mean, and the share under
 * 0.1 s / 0.5 s / 1 s.
 */
function histogramNotes(name: string, beforeBody: string, afterBody: string): string[] {
  const before = histogramSeries(beforeBody, name);
  const after = histogramSeries(afterBody, name);
  const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const notes = [`${name}: count, mean, share under 0.1 s / 0.5 s / 1 s`];
  for (const key of after.keys()) {
    const labels = new RegExp(`^${name}_count\\{(.*)\\}$`).exec(key)?.[1];
    if (labels === undefined) continue;
    const count = delta(key);
    if (count === 0) continue;
    const sum = delta(`${name}_sum{${labels}}`);
    const under = (le: string) =>
      `${((delta(`${name}_bucket{le="${le}",${labels}}`) / count) * 100).toFixed(0)}%`;
    notes.push(
      `  ${labels.replaceAll('"', '')}: ${count}, mean ${((sum / count) * 1000).toFixed(1)} ms, ${under('0.1')} / ${under('0.5')} / ${under('1')}`,
    );
  }
  return notes;
}

/** Sink batches and checkpoint pauses between two /metrics bodies. */
function sinkAndCheckpointNotes(beforeBody: string, afterBody: string): string[] {
  return [
    ...histogramNotes('speed_sink_write_seconds', beforeBody, afterBody),
    ...histogramNotes('speed_checkpoint_seconds', beforeBody, afterBody),
  ];
}

const out = (line: string) => process.stdout.write(`${line}\n`);

if (!process.env.KAFKA_BROKERS || !process.env.CASSANDRA_CONTACT_POINTS || !process.env.S3_ENDPOINT) {
  out('speed-real: skipped, it needs the real servers. Start them and export their environment:');
  out('  npx sentiment infra up && eval "$(npx sentiment infra env)" && npm run bench -- speed-real');
  process.exit(0);
}

const TOTAL = Number(process.env.SPEED_REAL_TWEETS ?? 1_500_000);
const EVENT_RATE = 20_000; // tweets per second of event time in the pre-produced stream
const LATENCY_SECONDS = Number(process.env.SPEED_REAL_LATENCY_SECONDS ?? 60);
const LATENCY_RATE = 5_000;
const SPARK_MAX_OFFSETS = 200_000;

const id = `bench-speed-real-${randomUUID().slice(0, 6)}`;
const env: NodeJS.ProcessEnv = {
  ...process.env,
  KAFKA_TOPIC_PREFIX: `${id}.`,
  KAFKA_GROUP_ID: id,
  CASSANDRA_KEYSPACE: id.replaceAll('-', '_'),
  S3_BUCKET: id,
  LOG_LEVEL: 'warn',
  KAFKA_PARTITIONS: process.env.SPEED_REAL_PARTITIONS ?? '4',
  // Bronze objects close after 10 s of processing time (default BRONZE_MAX_AGE is longer), so the
  // bench sees the drain within seconds; objects still hold up to BRONZE_MAX_ROWS.
  BRONZE_MAX_AGE: '10s',
};
const config = loadConfig(env);
const topics = config.topics.names;
const backends = await openBackends(config, pino({ level: 'silent' }));
const loads: [number, number, number][] = [loadAverage()];
out(
  `deployment ${id}; ${TOTAL.toLocaleString('en-US')} tweets at ${EVENT_RATE}/s of event time; load ${loads[0]?.join(' ')}`,
);

// 1. Pre-produce the seeded stream: tweets and ticks over the same event time.
const started = Date.now();
const generator = new TweetGenerator({
  seed: 'speed-real',
  timeline: { clock: 'virtual', ratePerSecond: EVENT_RATE, jitterMs: 2000, lateRatio: 0.03 },
});
const walk = new PriceWalk({
  seed: 'speed-real',
  timeline: { clock: 'virtual', ratePerSecond: 14, jitterMs: 0, lateRatio: 0 },
});
const tickCount = Math.ceil((TOTAL / EVENT_RATE) * 14);
let pairs = 0;
const inFlight = new Set<Promise<unknown>>();
for (let sent = 0; sent < TOTAL; ) {
  const batch: OutgoingMessage[] = [];
  for (let i = 0; i < 1000 && sent < TOTAL; i++, sent++) {
    const t = generator.next();
    pairs += extractCashtags(t.text).length;
    batch.push(tweetMessage(t));
  }
  const p = backends.eventLog.produce(topics.tweets, batch);
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
  if (inFlight.size >= 8) await Promise.race(inFlight);
}
await Promise.all(inFlight);
await backends.eventLog.produce(
  topics.prices,
  Array.from({ length: tickCount }, () => tickMessage(walk.next())),
);
out(
  `produced ${TOTAL} tweets (${pairs} (tweet, symbol) pairs) and ${tickCount} ticks in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

const comparisons: Comparison[] = [];
const notes: string[] = [];

// 2. Spark Structured Streaming on the same topic.
let sparkRate: number | undefined;
if (process.env.SPEED_REAL_SKIP_SPARK !== '1') sparkRate = await runSpark();
loads.push(loadAverage());

// 3. Ours on the identical work, no sinks: one process (one core), then two in one group (two cores,
// as Spark's local[2]).
const ours = await runOperators(backends.eventLog, {
  topic: topics.tweets,
  groupId: `${id}.operators`,
  partitions: config.topics.partitions,
  delayMs: config.watermarkDelayMs,
});
if (ours.tweets !== TOTAL) notes.push(`WARNING: ours, no sinks, read ${ours.tweets} tweets, not ${TOTAL}`);
const oursRate = ours.tweets / ours.seconds;
out(
  `ours, no sinks, one process: ${ours.tweets} tweets in ${ours.seconds.toFixed(1)} s, ${ours.cpuSeconds.toFixed(1)} CPU s, ${ours.minuteRows} minute-row emissions, ${ours.redelivered} redelivered after a rebalance and skipped`,
);
const members = await Promise.all(
  [0, 1].map(
    (member) =>
      new Promise<OperatorsRun>((resolve, reject) => {
        const c = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(root, 'bench', 'speed-real', 'operators-child.ts'),
            topics.tweets,
            `${id}.operators-2`,
            String(config.topics.partitions),
            '2',
          ],
          { env, cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let stdout = '';
        c.stdout?.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        c.once('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(stdout.trim().split('\n').at(-1) as string) as OperatorsRun)
            : reject(new Error(`operators member ${member} exited with ${code}`)),
        );
      }),
  ),
);
const pairRead = members.reduce((n, m) => n + m.tweets, 0);
const pairSeconds =
  (Math.max(...members.map((m) => m.lastAt)) - Math.min(...members.map((m) => m.firstAt))) / 1000;
if (pairRead !== TOTAL) notes.push(`WARNING: ours, two processes, read ${pairRead} tweets, not ${TOTAL}`);
out(
  `ours, no sinks, two processes in one group: ${members.map((m) => `partitions ${m.partitions.join(',')}: ${m.tweets} tweets in ${m.seconds.toFixed(1)} s, ${m.cpuSeconds.toFixed(1)} CPU s, ${m.redelivered} redelivered`).join('; ')}; together ${pairSeconds.toFixed(1)} s`,
);
const sparkBaseline = sparkRate
  ? {
      baseline: {
        name: 'pyspark Structured Streaming, same work, local[2]',
        value: sparkRate,
        unit: 'tweets/s',
        better: 'higher' as const,
      },
    }
  : {};
comparisons.push(
  {
    subject: {
      name: 'ours, Kafka → score → re-key → 1-min windows, no sinks, one process (one core)',
      value: oursRate,
      unit: 'tweets/s',
      better: 'higher',
    },
    ...sparkBaseline,
  },
  {
    subject: {
      name: 'ours, same work, two processes in one group (two cores, as local[2])',
      // Distinct tweets: a partition read by both members around a rebalance counts once.
      value: TOTAL / pairSeconds,
      unit: 'tweets/s',
      better: 'higher',
    },
    ...sparkBaseline,
    target: '>= 3x Spark',
  },
);
loads.push(loadAverage());

// 4. `sentiment speed` with every sink, until the commits cover everything.
const port = 19_000 + Math.floor(Math.random() * 1000);
const startSpeed = (): ChildProcess => {
  // SPEED_REAL_PROFILE=<dir>: a CPU profile of `sentiment speed`, written when it stops (DevTools).
  const profile = process.env.SPEED_REAL_PROFILE;
  const node = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const c = spawn(process.execPath, [...node, join(root, 'bin', 'sentiment.js'), 'speed'], {
    env: { ...env, METRICS_PORT: String(port) },
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  c.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (/"level":(40|50|60)/.test(text)) process.stderr.write(`speed: ${text.slice(0, 400)}\n`);
  });
  return c;
};
let child = startSpeed();
// A bench that dies (e.g. a server restarted by another run) must not leave the speed layer running.
process.on('exit', () => child.kill('SIGKILL'));
let speedRestarts = 0;
let pid = child.pid as number;
const readServerPids = () =>
  Object.fromEntries(
    ['kafka', 'cassandra', 'minio'].map((name) => {
      const dir = join(root, '.data', 'infra', name);
      const file = readdirSync(dir).find((f) => f.endsWith('.pid')) as string;
      return [name, Number(readFileSync(join(dir, file), 'utf8').trim())];
    }),
  );
const serverPids = readServerPids();
/** Other engineers' tests restart the servers now and then: say so when it happened during a phase. */
const restartedSince = (before: Record<string, number>, phase: string) => {
  const now = readServerPids();
  const changed = Object.keys(before).filter((name) => now[name] !== before[name]);
  if (changed.length > 0)
    notes.push(`WARNING: ${changed.join(', ')} restarted (by another run) during ${phase}`);
};
const cpu = new CpuWindow({ 'sentiment speed': pid, ...serverPids, 'bench (this process)': process.pid });
const rss: { t: number; mib: number }[] = [];
const rssTimer = setInterval(() => {
  const mib = rssMiB(pid);
  if (mib !== undefined) rss.push({ t: Date.now(), mib });
}, 1000);
const consumedSamples: { t: number; n: number }[] = [];
const internal = mentionsTopic(config.consumerGroup, config.topics.prefix);
cpu.start();
const e2eStart = Date.now();
let firstConsumedAt = 0;
let drainedAt = 0;
for (;;) {
  if (child.exitCode !== null) {
    // A server restarted by another run can outlast the start-up retries: start it again, and say so.
    if (++speedRestarts > 3)
      throw new Error(`sentiment speed exited with ${child.exitCode} ${speedRestarts} times`);
    notes.push(
      `WARNING: sentiment speed exited with ${child.exitCode} and was started again; CPU and RSS cover the last process`,
    );
    child = startSpeed();
    pid = child.pid as number;
    cpu.retarget('sentiment speed', pid);
  }
  await sleep(1000);
  const n = await metric(port, 'speed_messages_consumed_total', `topic="${topics.tweets}"`).catch(() => 0);
  consumedSamples.push({ t: Date.now(), n });
  if (n > 0 && firstConsumedAt === 0) firstConsumedAt = Date.now();
  if (n < TOTAL) continue;
  // Drained: bronze holds every tweet offset (the objects' names carry their offsets) and stage 2
  // has committed the whole internal topic (it commits only what its sinks hold). Stage 1's own
  // commit stays behind by design (open bronze object, dedup horizon), so it cannot be the test.
  const offsets = await Promise.all([
    (async () => {
      const held = new Map<number, number>();
      for await (const o of backends.objectStore.list('bronze/tweets/')) {
        const object = parseBronzeObjectKey(o.key);
        if (object)
          held.set(
            object.partition,
            (held.get(object.partition) ?? 0) + object.lastOffset - object.firstOffset + 1,
          );
      }
      return [...held.values()];
    })(),
    backends.eventLog.endOffsets(internal),
    backends.eventLog.committedOffsets(`${config.consumerGroup}.symbols`, internal),
  ]).catch(() => undefined); // a server restarting: ask again next second
  if (!offsets) continue;
  const [bronzeUntil, internalEnds, internalCommits] = offsets;
  const committed = bronzeUntil.reduce((a, b) => a + b, 0);
  const internalBehind = [...internalEnds].some(([p, end]) => (internalCommits.get(p) ?? 0) < end);
  if (consumedSamples.length % 10 === 0)
    out(
      `  consumed ${n}, in bronze ${committed}, internal topic committed ${[...internalEnds].map(([p, end]) => `p${p} ${internalCommits.get(p) ?? 0}/${end}`).join(' ')}`,
    );
  if (committed >= TOTAL && !internalBehind) {
    drainedAt = Date.now();
    break;
  }
}
const e2e = cpu.stop();
restartedSince(serverPids, 'the end-to-end run');
loads.push(loadAverage());
const e2eSeconds = (drainedAt - (firstConsumedAt || e2eStart)) / 1000;
const consumedAtDrain = consumedSamples.at(-1)?.n ?? 0;
// The steady consumption rate: the middle of the run, without the start-up and the drain.
const reading = consumedSamples.filter((s) => s.n > 0 && s.n < TOTAL);
const mid = reading.slice(Math.floor(reading.length * 0.2), Math.ceil(reading.length * 0.8));
const steadyRate =
  mid.length >= 2
    ? ((mid.at(-1)?.n ?? 0) - (mid[0]?.n ?? 0)) / (((mid.at(-1)?.t ?? 0) - (mid[0]?.t ?? 0)) / 1000)
    : Number.NaN;
const sinkBody = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const bronze = await countBronze(backends, 'tweets');
if (bronze.rows !== TOTAL || bronze.distinctOffsets !== TOTAL)
  notes.push(
    `WARNING: bronze holds ${bronze.rows} rows, ${bronze.distinctOffsets} distinct offsets, for ${TOTAL} tweets`,
  );
out(
  `ours, every sink: ${TOTAL} tweets in bronze and the views in ${e2eSeconds.toFixed(1)} s after the first read; bronze ${bronze.rows} rows (${bronze.distinctOffsets} distinct offsets); consumed metric ${consumedAtDrain}`,
);
comparisons.push({
  subject: {
    name: 'ours, `sentiment speed` with every sink (Cassandra + bronze + internal topic), end to end',
    value: TOTAL / e2eSeconds,
    unit: 'tweets/s',
    better: 'higher',
  },
  ...(sparkRate
    ? { baseline: { name: 'pyspark, no sinks', value: sparkRate, unit: 'tweets/s', better: 'higher' } }
    : {}),
  target: '>= 20,000 tweets/s',
});
comparisons.push({
  subject: {
    name: 'ours, every sink, steady consumption (middle 60% of the run)',
    value: steadyRate,
    unit: 'tweets/s',
    better: 'higher',
  },
});
notes.push(`CPU over the end-to-end run (${e2e.wallSeconds.toFixed(0)} s wall; 2 cores = 2.00):`);
for (const p of e2e.processes)
  notes.push(`  ${p.name}: ${p.cpuSeconds.toFixed(1)} CPU s, ${p.cores.toFixed(2)} cores`);
notes.push(
  `Cassandra rows written, estimated from the data: ${pairs} tweets_by_symbol rows, each written once whole with its price (again only when the final price differs), + ${tickCount} ticks + minute-row upserts: ~${Math.round(pairs / e2eSeconds).toLocaleString('en-US')} rows/s`,
);
notes.push(...sinkAndCheckpointNotes('', sinkBody));

// 5. Latency at 5,000 tweets/s, same process, now caught up.
const cpuLatency = new CpuWindow({ 'sentiment speed': pid, ...serverPids });
cpuLatency.start();
const latency = await measureLatency({
  eventLog: backends.eventLog,
  cassandra: {
    contactPoints: (process.env.CASSANDRA_CONTACT_POINTS as string).split(','),
    localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
    keyspace: config.cassandra?.keyspace as string,
  },
  tweetsTopic: topics.tweets,
  pricesTopic: topics.prices,
  ratePerSecond: LATENCY_RATE,
  seconds: LATENCY_SECONDS,
  sampleEvery: Number(process.env.SPEED_REAL_SAMPLE_EVERY ?? 250),
});
const latencyCpu = cpuLatency.stop();
const latencySinkNotes = sinkAndCheckpointNotes(
  sinkBody,
  await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
);
restartedSince(serverPids, 'the end-to-end or latency run');
loads.push(loadAverage());
clearInterval(rssTimer);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));

const ms = (v: number) => ({ value: v, unit: 'ms', better: 'lower' as const });
comparisons.push(
  {
    subject: {
      name: `publication → tweets_by_symbol row, p50 (${latency.tweetRow.length} sampled)`,
      ...ms(percentile(latency.tweetRow, 50)),
    },
  },
  {
    subject: { name: 'publication → tweets_by_symbol row, p99', ...ms(percentile(latency.tweetRow, 99)) },
    target: '< 500 ms',
  },
  {
    subject: {
      name: `publication → minute row counting it, p50 (first poll seeing it, ${latency.minuteRowSeen.length} sampled)`,
      ...ms(percentile(latency.minuteRowSeen, 50)),
    },
  },
  {
    subject: {
      name: 'publication → minute row counting it, p99 (first poll seeing it)',
      ...ms(percentile(latency.minuteRowSeen, 99)),
    },
    target: '< 1000 ms',
  },
  {
    subject: {
      name: "publication → that minute row state's updated_at, p50",
      ...ms(percentile(latency.minuteRowUpdatedAt, 50)),
    },
  },
  {
    subject: {
      name: "publication → that minute row state's updated_at, p99",
      ...ms(percentile(latency.minuteRowUpdatedAt, 99)),
    },
  },
);
const rssValues = rss.map((r) => r.mib);
const third = Math.floor(rssValues.length / 3);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
notes.push(
  `latency run: published ${latency.published} tweets at ${latency.publishedPerSecond.toFixed(0)}/s; tweet rows not seen within 20 s: ${latency.tweetRowMissing}; minute rows not seen: ${latency.minuteRowMissing}; failed produce calls: ${latency.failedBatches}; max ${Math.max(...latency.tweetRow)} ms (tweet row), ${Math.max(...latency.minuteRowSeen)} ms (minute row)`,
);
notes.push(
  `CPU during the latency run (${latencyCpu.wallSeconds.toFixed(0)} s): ${latencyCpu.processes.map((p) => `${p.name} ${p.cores.toFixed(2)}`).join(', ')} cores`,
);
notes.push('during the latency run:', ...latencySinkNotes.map((line) => `  ${line}`));
notes.push(
  `RSS of sentiment speed, ${rssValues.length} samples at 1 s: min ${Math.min(...rssValues).toFixed(0)} MiB, max ${Math.max(...rssValues).toFixed(0)} MiB; mean of the first / middle / last third ${avg(rssValues.slice(0, third)).toFixed(0)} / ${avg(rssValues.slice(third, 2 * third)).toFixed(0)} / ${avg(rssValues.slice(2 * third)).toFixed(0)} MiB`,
);
// Whether state levels off: one sample a minute from the process's start.
notes.push(
  `RSS of sentiment speed each minute: ${rss
    .filter((_, i) => i % 60 === 0 || i === rss.length - 1)
    .map((r) => `${((r.t - (rss[0]?.t ?? r.t)) / 60_000).toFixed(1)} min ${r.mib.toFixed(0)} MiB`)
    .join(', ')}`,
);
notes.push(
  `load average (1/5/15 min) at start, after Spark, after ours, after the sink run, after the latency run: ${loads.map((l) => l.map((x) => x.toFixed(2)).join('/')).join(', ')}`,
);

report(
  `speed layer on real servers (${TOTAL.toLocaleString('en-US')} tweets, ${config.topics.partitions} partitions)`,
  comparisons,
);
for (const line of notes) out(line);
await backends.close();
// The deployment's keyspace goes (its topics and bucket stay, cheap to keep): keyspaces left by
// earlier runs kept Cassandra compacting, and a later run measured that too.
if (process.env.SPEED_REAL_KEEP !== '1') {
  const cleanup = new cassandra.Client({
    contactPoints: (process.env.CASSANDRA_CONTACT_POINTS as string).split(','),
    localDataCenter: process.env.CASSANDRA_LOCAL_DC ?? 'datacenter1',
  });
  await cleanup.execute(`DROP KEYSPACE IF EXISTS ${config.cassandra?.keyspace as string}`);
  await cleanup.shutdown();
}

/** Runs the anchor; the rate is rows over trigger time of every micro-batch after the first (JVM and Python start-up). */
async function runSpark(): Promise<number | undefined> {
  const setup = spawnSync('bash', [join(root, 'bench', 'spark', 'setup.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (setup.status !== 0) {
    notes.push(`Spark anchor not run: bench/spark/setup.sh exited ${setup.status}`);
    return undefined;
  }
  const home = setup.stdout.trim().split('\n').at(-1) as string;
  const jarDir = join(home, 'jars');
  const jars = readdirSync(jarDir)
    .filter((f) => f.endsWith('.jar'))
    .map((f) => join(jarDir, f));
  const python = join(home, 'venv', 'bin', 'python');
  const checkpoint = mkdtempSync(join(tmpdir(), 'speed-real-spark-'));
  const spark: ChildProcess = spawn(
    python,
    [
      join(root, 'bench', 'spark', 'streaming_anchor.py'),
      '--brokers',
      process.env.KAFKA_BROKERS as string,
      '--topic',
      topics.tweets,
      '--jars',
      jars.join(','),
      '--max-offsets',
      String(SPARK_MAX_OFFSETS),
      '--total',
      String(TOTAL),
      '--checkpoint',
      checkpoint,
    ],
    {
      env: { ...process.env, PYSPARK_PYTHON: python, PYSPARK_DRIVER_PYTHON: python },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  spark.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const batches: { rows: number; durationMs: number }[] = [];
  let done: { rows: number; seconds: number; error: string | null } | undefined;
  for await (const line of createInterface({ input: spark.stdout as NodeJS.ReadableStream })) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line);
    if (parsed.done) done = parsed;
    else if (parsed.rows > 0) {
      batches.push(parsed);
      out(
        `  spark batch ${parsed.batch}: ${parsed.rows} rows in ${parsed.durationMs} ms (${Math.round(parsed.processedRowsPerSecond)}/s)`,
      );
    }
  }
  await new Promise((resolve) =>
    spark.exitCode !== null ? resolve(undefined) : spark.once('exit', resolve),
  );
  rmSync(checkpoint, { recursive: true, force: true });
  if (!done || done.error || batches.length < 2) {
    notes.push(`Spark anchor failed: ${done?.error ?? stderr.slice(-800)}`);
    return undefined;
  }
  const steady = batches.slice(1);
  const rate = steady.reduce((n, b) => n + b.rows, 0) / (steady.reduce((n, b) => n + b.durationMs, 0) / 1000);
  notes.push(
    `Spark: ${done.rows} rows in ${done.seconds.toFixed(1)} s wall including start-up; ${batches.length} micro-batches of <= ${SPARK_MAX_OFFSETS.toLocaleString('en-US')} offsets; steady = batches 2..n, rows / trigger time`,
  );
  return rate;
}
