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
 * from Cassandra per request (API_SPEED_CACHE_PARTITIONS=0 measures without it). Each paced run
 * also reports the server's CPU time per request and the machine's load average, since other
 * processes share the two cores.
 *
 * Needs the real servers: eval "$(npx sentiment infra env)". Latency is autocannon's, corrected
 * for coordinated omission (a request that waits for a connection counts from when it was due).
 */
import { type ChildProcess, spawn } from 'node:child_process';
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
import { report } from './harness.js';

const ROOT = resolve(import.meta.dirname, '..');
const RATES = (process.env.BENCH_API_RATES ?? '1000,2000,5000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 15);
const CONNECTIONS = 64;
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

/** User + system CPU time of the server process so far (Linux /proc), ms. */
function serverCpuMs(child: ChildProcess | undefined): number {
  const stat = readFileSync(`/proc/${child?.pid}/stat`, 'utf8');
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

async function startServer(port: number): Promise<ChildProcess> {
  // BENCH_API_PROFILE_DIR: a V8 CPU profile of the server, written when it stops.
  const profile = process.env.BENCH_API_PROFILE_DIR;
  const flags = profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
  const child = spawn(process.execPath, [...flags, join(ROOT, 'bin/sentiment.js'), 'serve'], {
    cwd: ROOT,
    env: { ...env, API_PORT: String(port), API_HOST: '127.0.0.1' },
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

let server: ChildProcess | undefined;
try {
  await seed();
  const port = await freePort();
  const address = `http://127.0.0.1:${port}`;
  server = await startServer(port);
  await check(address);
  // Warm-up: JIT, the gold cache (one lake read per range), the driver's connections.
  await run(address, 500, 3);
  const comparisons = [];
  const lines: string[] = [];
  // Where the cost is: each range shape alone, as fast as the server answers.
  for (const kind of ['1m', '5m', '1h']) {
    const result = await run(address, undefined, 5, kind);
    lines.push(
      `- ${kind} ranges alone, unpaced (16 connections): ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
  }
  for (const rate of RATES) {
    const waitBefore = serverRunQueueWaitMs(server);
    const cpuBefore = serverCpuMs(server);
    const loadBefore = loadavg()[0] as number;
    const result = await run(address, rate, SECONDS);
    const cpu = serverCpuMs(server) - cpuBefore;
    const waited = serverRunQueueWaitMs(server) - waitBefore;
    const failed = result.errors + result.timeouts + result.non2xx;
    lines.push(
      `- ${rate} req/s asked: ${Math.round(result.requests.average)} req/s answered, p50 ${result.latency.p50} ms, p90 ${result.latency.p90} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms, ${result.requests.total} requests, ${failed} failed (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx}); server CPU ${(cpu / result.requests.total).toFixed(2)} ms/request (${Math.round((100 * cpu) / (SECONDS * 1000))}% of a core), its main thread ready but waiting for a CPU ${Math.round(waited / SECONDS)} ms per second; load ${loadBefore.toFixed(1)} -> ${(loadavg()[0] as number).toFixed(1)}`,
    );
    comparisons.push(
      {
        subject: {
          name: `p99 at ${rate}/s`,
          value: result.latency.p99,
          unit: 'ms',
          better: 'lower' as const,
        },
        ...(rate === 2000 ? { target: '< 20 ms' } : {}),
      },
      {
        subject: {
          name: `p50 at ${rate}/s`,
          value: result.latency.p50,
          unit: 'ms',
          better: 'lower' as const,
        },
      },
      {
        subject: {
          name: `throughput at ${rate}/s asked`,
          value: result.requests.average,
          unit: 'req/s',
          better: 'higher' as const,
        },
      },
    );
  }
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
