import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalObjectStore } from '../infra/lake/local-object-store.js';
import { BatchMetrics } from './metrics.js';
import { RunLock } from './run-lock.js';
import { scheduleBatch } from './scheduler.js';

let dir: string;
let store: LocalObjectStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batch-schedule-'));
  store = await LocalObjectStore.open(join(dir, 'lake'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const until = async (check: () => Promise<boolean>, ms = 8000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

it('runs on the cron and exposes the last run, its duration and rows, and skips while another run holds the lock', async () => {
  const metrics = new BatchMetrics();
  const errors: Error[] = [];
  const skips: string[] = [];
  const job = scheduleBatch({
    cron: '* * * * * *',
    metrics,
    run: () => ({ store, cacheDir: join(dir, 'cache') }),
    onError: (e) => errors.push(e),
    onSkip: (reason) => skips.push(reason),
  });
  try {
    const text = () => metrics.registry.metrics();
    await until(async () => /batch_runs_total\{outcome="complete"\} [1-9]/.test(await text()));
    const body = await text();
    expect(body).toMatch(/batch_last_run_timestamp_seconds \d/);
    expect(body).toMatch(/batch_last_run_duration_seconds \d/);
    expect(body).toMatch(/batch_last_run_rows 0/);
    await RunLock.acquire(store, 'someone-else', 60_000);
    await until(async () => skips.some((s) => /someone-else/.test(s)));
    expect(await text()).toMatch(/batch_runs_total\{outcome="locked"\} [1-9]/);
    expect(errors).toEqual([]);
  } finally {
    job.stop();
  }
});
