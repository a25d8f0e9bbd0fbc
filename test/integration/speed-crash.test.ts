/**
 * Exactly once in effect, checked as a user would: a seeded stream goes in while `sentiment speed`
 * is killed with SIGKILL again and again — at the moments most likely to break delivery (after the
 * sinks and before the commit, after a bronze put, after a checkpoint and before its commit, in
 * the middle of a rebalance) and at random moments — and restarted each time. Once it has drained,
 * what landed must equal what was produced: bronze rows = tweets (no offset twice),
 * tweets_by_symbol rows = (tweet, symbol) pairs, final minute counts = the pairs decided on time.
 * A watcher reads the final minute rows every second throughout: a final row must never change.
 */
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Backends } from '../../infra/backends.js';
import { sleep } from '../../infra/retry.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import {
  deployment,
  exitOf,
  expectExact,
  type Fixture,
  finalMinutes,
  minuteKey,
  openReader,
  replayFixture,
  startSpeed,
  stopSpeed,
  writeFixture,
} from './speed-harness.js';

/** Watches final minute rows; remembers each one's first values and every change seen. */
class FinalRowWatcher {
  private readonly seen = new Map<string, string>();
  readonly changed: string[] = [];
  private running = true;
  private readonly done: Promise<void>;

  constructor(reader: Backends, f: Fixture) {
    this.done = (async () => {
      while (this.running) {
        const rows = await finalMinutes(reader, f).catch(() => [] as SentimentMinuteRow[]);
        for (const r of rows) {
          const id = `${r.symbol}@${new Date(r.minute).toISOString()}`;
          const value = minuteKey(r);
          const before = this.seen.get(id);
          if (before === undefined) this.seen.set(id, value);
          else if (before !== value) this.changed.push(`${id}: ${before} -> ${value}`);
        }
        await sleep(1000);
      }
    })();
  }

  size(): number {
    return this.seen.size;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

type Step = { crashAt: string } | { killAfterMs: number };

const PLAN: Step[] = [
  { crashAt: 'in-rebalance:1' },
  { crashAt: 'after-sinks:3' },
  { crashAt: 'after-bronze-put:1' },
  { crashAt: 'after-checkpoint:2' },
  { killAfterMs: 2500 },
  { crashAt: 'after-sinks:7' },
  { killAfterMs: 4000 },
];

describe('sentiment speed killed with SIGKILL, restarted, drained', () => {
  const children: ChildProcess[] = [];
  const readers: Backends[] = [];
  let fixture: Fixture | undefined;

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const r of readers) await r.close();
    if (fixture) await rm(fixture.dir, { recursive: true, force: true });
  });

  it('loses nothing and counts nothing twice after kill -9 at the riskiest points and at random moments', {
    timeout: 600_000,
  }, async () => {
    const f = await writeFixture(0.03);
    fixture = f;
    const env = { ...deployment('crash'), BRONZE_MAX_AGE: '2s' };
    const reader = await openReader(env);
    readers.push(reader);
    const watcher = new FinalRowWatcher(reader, f);
    // Input keeps arriving (5x its original pace, about 40 s) while the speed layer is killed.
    const feeding = replayFixture(env, f, '5');
    const port = 19_000 + Math.floor(Math.random() * 300);
    const kills: string[] = [];
    for (const step of PLAN) {
      const crashEnv = 'crashAt' in step ? { ...env, SPEED_CRASH_AT: step.crashAt } : env;
      const child = startSpeed(crashEnv, port);
      children.push(child);
      if ('crashAt' in step) {
        const outcome = await Promise.race([exitOf(child), sleep(90_000).then(() => undefined)]);
        if (!outcome) child.kill('SIGKILL');
        const ended = outcome ?? (await exitOf(child));
        kills.push(
          `${step.crashAt} → ${ended.signal ?? ended.code}${outcome ? '' : ' (point not reached in 90 s; killed)'}`,
        );
        expect(ended.signal).toBe('SIGKILL');
      } else {
        await sleep(step.killAfterMs);
        child.kill('SIGKILL');
        const ended = await exitOf(child);
        kills.push(`random after ${step.killAfterMs} ms → ${ended.signal}`);
      }
    }
    await feeding;
    const last = startSpeed(env, port);
    children.push(last);
    await expectExact(`speed after ${kills.length} kills (${kills.join('; ')})`, reader, f, env, {
      ticksInCandles: true,
    });
    await sleep(1000);
    await watcher.stop();
    process.stdout.write(
      `  final minute rows watched ${watcher.size()}, changed after being final: ${watcher.changed.length}\n`,
    );
    expect(kills.length).toBeGreaterThanOrEqual(5);
    expect(watcher.changed).toEqual([]);
    expect(await stopSpeed(last)).toBe(0);
  });
});
