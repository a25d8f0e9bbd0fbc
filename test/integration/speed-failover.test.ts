/**
 * The speed layer through what happens to a running deployment: Kafka, then Cassandra, then MinIO
 * restarted under it (`sentiment infra down NAME` / `up NAME`); a backend that stays down past
 * BACKEND_DOWN_DEADLINE; and one of two instances in a group killed with SIGKILL mid-stream. In
 * each, what landed is counted against what was produced, exactly.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backends } from '../../infra/backends.js';
import { down, up } from '../../infra/local/index.js';
import { sleep } from '../../infra/retry.js';
import {
  deployment,
  exitOf,
  expectExact,
  type Fixture,
  metric,
  openReader,
  replayFixture,
  startSpeed,
  stopSpeed,
  until,
  writeFixture,
} from './speed-harness.js';

const children: ChildProcess[] = [];
const readers: Backends[] = [];
const fixtures: Fixture[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await up(['kafka', 'cassandra', 'minio']);
  for (const r of readers) await r.close().catch(() => undefined);
  for (const f of fixtures) await rm(f.dir, { recursive: true, force: true });
});

/** stderr lines of a child, kept for the assertions. */
function stderrOf(child: ChildProcess): string[] {
  const lines: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  return lines;
}

describe('the speed layer through server restarts and a lost instance', () => {
  it('rides out Kafka, Cassandra and MinIO restarts mid-stream with backoff, and the totals are exact', {
    timeout: 900_000,
  }, async () => {
    const f = await writeFixture(0.03);
    fixtures.push(f);
    const env = deployment('restart');
    const reader = await openReader(env);
    readers.push(reader);
    const port = 19_300 + Math.floor(Math.random() * 90);
    const speed = startSpeed(env, port);
    children.push(speed);
    const log = stderrOf(speed);
    // 200 s of events at 4x pace: about 50 s of input, with the restarts inside it.
    const feeding = replayFixture(env, f, '4');
    // Restart only once input flows: the producer's own start-up is not what is under test.
    await until(
      'input flowing through the speed layer',
      async () => (await metric(port, 'speed_messages_consumed_total', 'topic=')) > 0,
      60_000,
    );
    const downFor: Record<string, number> = {};
    for (const name of ['kafka', 'cassandra', 'minio'] as const) {
      await sleep(4000);
      const t = Date.now();
      await down([name]);
      await sleep(5000);
      await up([name]);
      downFor[name] = Date.now() - t;
      expect(speed.exitCode, `speed layer still running after the ${name} restart`).toBeNull();
    }
    await feeding;
    try {
      await expectExact('speed through restarts of kafka, cassandra and minio', reader, f, env);
    } catch (error) {
      process.stdout.write(`speed layer's last log lines:\n${log.slice(-40).join('\n')}\n`);
      throw error;
    }
    const retries = log.filter((l) => l.includes('retrying'));
    process.stdout.write(
      `  restarts took ${JSON.stringify(downFor)} ms; the speed layer logged ${retries.length} retry lines and stayed up\n`,
    );
    expect(retries.length).toBeGreaterThan(0);
    // Backoff, not a tight loop: a few lines a second at the very most over the outages.
    expect(retries.length).toBeLessThan(Object.values(downFor).reduce((a, b) => a + b, 0) / 250);
    expect(speed.exitCode).toBeNull();
    expect(await stopSpeed(speed)).toBe(0);
  });

  it('exits non-zero naming the server when one stays down past BACKEND_DOWN_DEADLINE', {
    timeout: 300_000,
  }, async () => {
    const f = await writeFixture(0);
    fixtures.push(f);
    const env = { ...deployment('deadline'), BACKEND_DOWN_DEADLINE: '8s' };
    const reader = await openReader(env);
    readers.push(reader);
    const speed = startSpeed(env, 19_395);
    children.push(speed);
    const log = stderrOf(speed);
    await until(
      'the speed layer running',
      async () => (await fetch('http://127.0.0.1:19395/metrics')).ok,
      60_000,
    );
    await down(['cassandra']);
    try {
      const feeding = replayFixture(env, f, 'max');
      const ended = await Promise.race([exitOf(speed), sleep(120_000).then(() => undefined)]);
      await feeding;
      process.stdout.write(
        `speed with cassandra down: ended ${JSON.stringify(ended)}; last line: ${log.at(-1)}\n`,
      );
      expect(ended?.code).toBe(1);
      expect(log.join('\n')).toMatch(/unreachable for \d+ s.*cassandra/s);
    } finally {
      await up(['cassandra']);
    }
  });

  it('two instances in one group: one killed with SIGKILL mid-stream, the other takes over and the totals are exact', {
    timeout: 600_000,
  }, async () => {
    const f = await writeFixture(0.03);
    fixtures.push(f);
    const env = deployment('takeover');
    const reader = await openReader(env);
    readers.push(reader);
    const a = startSpeed(env, 19_396);
    const b = startSpeed(env, 19_397);
    children.push(a, b);
    const feeding = replayFixture(env, f, '5');
    await until(
      'both instances working',
      async () => {
        const [ma, mb] = await Promise.all(
          [19_396, 19_397].map(async (p) =>
            (await (await fetch(`http://127.0.0.1:${p}/metrics`)).text()).includes(
              'speed_messages_consumed_total{',
            ),
          ),
        );
        return Boolean(ma && mb);
      },
      60_000,
    );
    await sleep(8000);
    b.kill('SIGKILL');
    expect((await exitOf(b)).signal).toBe('SIGKILL');
    await feeding;
    await expectExact('speed after one of two instances was killed', reader, f, env, {
      ticksInCandles: true,
    });
    expect(a.exitCode).toBeNull();
    expect(await stopSpeed(a)).toBe(0);
  });
});
