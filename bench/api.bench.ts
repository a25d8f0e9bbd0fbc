/**
 * `npm run bench -- api`: latency and throughput of `GET /v1/symbols/:symbol/sentiment` with the
 * real Cassandra behind it, driven by autocannon at fixed request rates (1,000, 2,000 and 5,000/s;
 * goal: p99 < 20 ms at 2,000/s).
 *
 * Deployment: the API runs as `node bin/sentiment.js serve` in its own process (so autocannon and
 * the server do not share an event loop), over a keyspace of this run's own (dropped at the end)
 * and a lake folder of its own. Data: four symbols with one gold minute row a minute for the 24
 * hours before the boundary (one hour before the current hour, as an hourly batch would leave it)
 * and speed-view minute rows from three hours before the boundary up to now. Every request asks a
 * range that straddles the boundary: 1m over its hour either side, 5m over 4 hours, 1h over the
 * last 12 hours, so each answer has batch and speed buckets. Gold answers are cached by run id
 * (the API's design), so the lake is read once per range; the speed part comes from the minute
 * cache (serving-api/speed/minute-cache.ts): final rows once, then only the not-yet-final tail
 * from Cassandra per request (API_SPEED_CACHE_PARTITIONS=0 measures without it); a repeated
 * answer whose rows did not change is sent again as it was serialized (series-answer-cache.ts).
 *
 * Each rate is asked in two shapes (see `paced`): from 8 autocannon instances started 125 ms
 * apart, near even arrivals, which the goal is read on; and from one instance, whose connections
 * all send their second's budget at once. The baseline, in the same run: the same server without
 * its answer cache (API_ANSWER_CACHE_MB=0), at 2,000/s. Each paced run also reports the server's
 * CPU time per request, the share of requests the server itself answered within 5/10/20/50 ms
 * (its own histogram), the CPU of autocannon and of Cassandra, and the load average, since they
 * all share the two cores.
 *
 * Needs the real servers: eval "$(npx sentiment infra env)". Latency: each 2xx response's time as
 * autocannon measured it, from writing the request to the end of the response.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import cassandraDriver from 'cassandra-driver';
import { pino } from 'pino';
import { openBackends } from '../infra/backends.js';
import { loadConfig } from '../infra/config.js';
import { HOUR_MS } from '../schemas/time.js';
import { goldMinutes, pointLatest, putGoldMinutes, putSpeedMinutes } from '../serving-api/test-lake.js';
import { type Comparison, report } from './harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const RATES = (process.env.BENCH_API_RATES ?? '1000,2000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 15);
const CONNECTIONS = 64;
/** autocannon instances a paced run is spread over (see `paced`). */
const STAGGER = 8;
const SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'NVDA'];

if (!process.env.CASSANDRA_CONTACT_POINTS) {
  process.stderr.write('api bench: set CASSANDRA_CONTACT_POINTS (eval "$(npx sentiment infra env)")\n');
  process.exit(2);
}

/** The environment of this run: its own keyspace and lake, Cassandra real, the rest embedded. */
const keyspace = `bench_api_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const lake = mkdtempSync(join(tmpdir(), 'bench-api-lake-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CASSANDRA_KEYSPACE: keyspace,
  LAKE_DIR: lake,
  LOG_LEVEL: 'warn',
};
for (const name of Object.keys(env)) if (/^(KAFKA_|S3_)/.test(name)) delete env[name];

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const now = Date.now();
const boundary = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
const iso = (t: number) => new Date(t).toISOString();

async function seed(): Promise<void> {
  const config = loadConfig(env);
  const backends = await openBackends(config, pino({ level: 'warn' }));
  try {
    // One gold object per day holds every symbol, as the batch layer writes it.
    await putGoldMinutes(
      backends.objectStore,
      SYMBOLS.flatMap((symbol) => goldMinutes(symbol, boundary - 24 * HOUR_MS, boundary, 3)),
    );
    for (const symbol of SYMBOLS)
      await putSpeedMinutes(backends.viewStore, symbol, boundary - 3 * HOUR_MS, now, 4);
    await pointLatest(backends.objectStore, `bench-${keyspace}`, boundary, now);
  } finally {
    await backends.close();
  }
}

function paths(kind?: string): string[] {
  const out: string[] = [];
  for (const symbol of SYMBOLS) {
    const base = `/v1/symbols/${symbol}/sentiment`;
    out.push(
      `${base}?interval=1m&from=${iso(boundary - HOUR_MS)}&to=${iso(Math.min(now, boundary + HOUR_MS))}`,
    );
    out.push(`${base}?interval=5m&from=${iso(boundary - 3 * HOUR_MS)}&to=${iso(now)}`);
    out.push(`${base}?interval=1h&from=${iso(boundary - 12 * HOUR_MS)}&to=${iso(now)}`);
  }
  return kind ? out.filter((p) => p.includes(`interval=${kind}&`)) : out;
}

/** User + system CPU time of a process so far (Linux /proc), ms. */
function processCpuMs(pid: number | undefined): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/**
 * Time the server's main (JavaScript) thread spent runnable but waiting for a CPU so far (Linux
 * /proc schedstat), ms: what the machine's other processes cost its latency.
 */
function serverRunQueueWaitMs(child: ChildProcess | undefined): number {
  const [, waitNs] = readFileSync(`/proc/${child?.pid}/schedstat`, 'utf8').trim().split(' ');
  return Number(waitNs) / 1e6;
}

/** The server's own latency histogram of the sentiment route (cumulative counts by bucket `le`). */
async function serverLatencyBuckets(address: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${address}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('api_http_request_duration_seconds_bucket{') || !line.includes('/sentiment"'))
      continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) out.set(le, Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** Share of the requests between two scrapes that the server answered within each bucket bound. */
function serverLatencyShares(before: Map<string, number>, after: Map<string, number>): string {
  const total = (after.get('+Inf') ?? 0) - (before.get('+Inf') ?? 0);
  return ['0.005', '0.01', '0.02', '0.05']
    .map(
      (le) =>
        `<= ${Number(le) * 1000} ms ${((100 * ((after.get(le) ?? 0) - (before.get(le) ?? 0))) / total).toFixed(2)}%`,
    )
    .join(', ');
}

/** User + system CPU of every Cassandra process on the machine so far (Linux /proc), ms. */
function cassandraCpuMs(): number {
  let pids: string[] = [];
  try {
    pids = execFileSync('pgrep', ['-f', 'CassandraDaemon'], { encoding: 'utf8' }).trim().split('\n');
  } catch {
    return 0; // none found
  }
  let ms = 0;
  for (const pid of pids) {
    try {
      ms += processCpuMs(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return ms;
}

/** User + system CPU of this process (autocannon's side) so far, ms. */
function clientCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function startServer(port: number, extra: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  // BENCH_API_PROFILE_DIR: a V8 CPU profile of the server, written when it stops.
  const profile = process.env.BENCH_API_PROFILE_DIR;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, join(ROOT, 'bin/sentiment.js'), 'serve'], {
    cwd: ROOT,
    env: { ...env, ...extra, API_PORT: String(port), API_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not answer /health within 30 s');
}

/** Every path answers 200 with both batch and speed buckets: the bench measures the merge. */
async function check(address: string): Promise<void> {
  for (const path of paths()) {
    const response = await fetch(address + path);
    const body = (await response.json()) as { buckets?: { source: string }[]; boundary?: string };
    const sources = new Set(body.buckets?.map((b) => b.source));
    if (response.status !== 200 || !sources.has('batch') || !sources.has('speed')) {
      throw new Error(
        `${path}: ${response.status}, sources ${[...sources].join(',') || 'none'}: ${JSON.stringify(body).slice(0, 600)}`,
      );
    }
  }
}

/** autocannon over the paths (of one interval when `kind` is given); no `overallRate`: as fast as answered. */
function run(address: string, overallRate: number | undefined, duration: number, kind?: string) {
  return autocannon({
    url: address,
    connections: overallRate === undefined ? 16 : CONNECTIONS,
    ...(overallRate === undefined ? {} : { overallRate }),
    duration,
    requests: paths(kind).map((path) => ({ method: 'GET' as const, path })),
  });
}

interface PacedResult {
  answered: number;
  total: number;
  failed: string;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * `rate` requests per second over CONNECTIONS connections, from `instances` autocannon instances
 * started 1/`instances` s apart. autocannon paces a connection by a budget of requests per second
 * that every connection of an instance gets back at the same instant, and spends it as fast as
 * answers come: one instance sends each second's requests in one burst of CONNECTIONS at a time
 * (at 2,000/s, about 13,000/s for 150 ms, then nothing). Staggered instances make the bursts that
 * many times smaller and as many times more frequent, nearer the even arrivals a rate means.
 * Latency: each response's time as autocannon measured it, percentiles over all of them.
 */
async function paced(
  address: string,
  rate: number,
  duration: number,
  instances: number,
): Promise<PacedResult> {
  const times: number[] = [];
  const runs = [];
  for (let i = 0; i < instances; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000 / instances));
    const instance = autocannon({
      url: address,
      connections: CONNECTIONS / instances,
      overallRate: rate / instances,
      duration,
      requests: paths().map((path) => ({ method: 'GET' as const, path })),
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
    runs.push(instance);
  }
  const results = await Promise.all(runs);
  const sorted = Float64Array.from(times).sort();
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
  const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((n, r) => n + f(r), 0);
  const errors = sum((r) => r.errors);
  const timeouts = sum((r) => r.timeouts);
  const non2xx = sum((r) => r.non2xx);
  return {
    answered: sum((r) => r.requests.average),
    total: sum((r) => r.requests.total),
    failed: `${errors + timeouts + non2xx} failed (errors ${errors}, timeouts ${timeouts}, non-2xx ${non2xx})`,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1] as number,
  };
}

let server: ChildProcess | undefined;
try {
  await seed();
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  server = await startServer(port);
  await check(address);
  // Warm-up: JIT, the gold cache (one lake read per range), the driver's connections.
  await run(address, 500, 3);
  const comparisons: Comparison[] = [];
  const lines: string[] = [];
  // Where the cost is: each range shape alone, as fast as the server answers.
  for (const kind of ['1m', '5m', '1h']) {
    const result = await run(address, undefined, 5, kind);
    lines.push(
      `- ${kind} ranges alone, unpaced (16 connections): ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
  }
  /** One paced run with what the server, autocannon and Cassandra spent on it. */
  async function measured(target: ChildProcess, at: string, rate: number, instances: number) {
    const waitBefore = serverRunQueueWaitMs(target);
    const cpuBefore = processCpuMs(target.pid);
    const loadBefore = loadavg()[0] as number;
    const bucketsBefore = await serverLatencyBuckets(at);
    const clientBefore = clientCpuMs();
    const cassandraBefore = cassandraCpuMs();
    const result = await paced(at, rate, SECONDS, instances);
    const cpu = processCpuMs(target.pid) - cpuBefore;
    const clientCpu = clientCpuMs() - clientBefore;
    const cassandraCpu = cassandraCpuMs() - cassandraBefore;
    const serverSide = serverLatencyShares(bucketsBefore, await serverLatencyBuckets(at));
    const waited = serverRunQueueWaitMs(target) - waitBefore;
    const share = (t: number) => `${Math.round((100 * t) / (SECONDS * 1000))}%`;
    const ms = (t: number) => `${t.toFixed(1)} ms`;
    const line = `${rate} req/s asked: ${Math.round(result.answered)} req/s answered, p50 ${ms(result.p50)}, p90 ${ms(result.p90)}, p99 ${ms(result.p99)}, max ${ms(result.max)}, ${result.total} requests, ${result.failed}; server CPU ${(cpu / result.total).toFixed(2)} ms/request (${share(cpu)} of a core), its main thread ready but waiting for a CPU ${Math.round(waited / SECONDS)} ms per second; answered by the server itself (request in to response out) ${serverSide}; CPU of autocannon ${share(clientCpu)}, of Cassandra ${share(cassandraCpu)}; load ${loadBefore.toFixed(1)} -> ${(loadavg()[0] as number).toFixed(1)}`;
    return { result, line };
  }

  const shapes = [
    { instances: STAGGER, name: `${STAGGER} staggered autocannon instances` },
    { instances: 1, name: 'one autocannon instance (a burst at each second)' },
  ];
  const at2000: Record<string, number> = {};
  for (const shape of shapes) {
    lines.push(`${shape.name}, ${CONNECTIONS} connections in all:`);
    for (const rate of RATES) {
      const { result, line } = await measured(server, address, rate, shape.instances);
      lines.push(`- ${line}`);
      if (rate === 2000) at2000[shape.name] = result.p99;
      const tag = shape.instances === 1 ? ', one instance' : '';
      comparisons.push(
        {
          subject: {
            name: `p99 at ${rate}/s${tag}`,
            value: result.p99,
            unit: 'ms',
            better: 'lower' as const,
          },
          ...(rate === 2000 && shape.instances > 1 ? { target: '< 20 ms' } : {}),
        },
        {
          subject: {
            name: `p50 at ${rate}/s${tag}`,
            value: result.p50,
            unit: 'ms',
            better: 'lower' as const,
          },
        },
        {
          subject: {
            name: `throughput at ${rate}/s asked${tag}`,
            value: result.answered,
            unit: 'req/s',
            better: 'higher' as const,
          },
        },
      );
    }
  }
  // The baseline: the same server without its answer cache, 2,000/s from the staggered instances.
  server.kill('SIGTERM');
  await once(server, 'exit');
  server = await startServer(port, { API_ANSWER_CACHE_MB: '0' });
  await run(address, 500, 3);
  const baseline = await measured(server, address, 2000, STAGGER);
  lines.push(`without the answer cache (API_ANSWER_CACHE_MB=0), ${shapes[0]?.name}:`, `- ${baseline.line}`);
  comparisons.push({
    subject: {
      name: 'p99 at 2000/s',
      value: at2000[shapes[0]?.name as string] as number,
      unit: 'ms',
      better: 'lower' as const,
    },
    baseline: {
      name: 'the same without the answer cache',
      value: baseline.result.p99,
      unit: 'ms',
      better: 'lower' as const,
    },
  });
  report(
    `Serving API: sentiment route over Cassandra, ranges straddling the boundary (${SECONDS} s per rate, ${CONNECTIONS} connections)`,
    comparisons,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  const { contactPoints, localDataCenter } = loadConfig(env).cassandra as {
    contactPoints: string[];
    localDataCenter: string;
  };
  const client = new cassandraDriver.Client({ contactPoints, localDataCenter });
  await client.connect();
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client.shutdown();
  rmSync(lake, { recursive: true, force: true });
}
