import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { putProgress, putTweets, tweet } from '../../batch-layer/test-fixture.js';
import { LocalObjectStore } from '../../infra/lake/local-object-store.js';
import { bronzeObjectKey } from '../../schemas/lake.js';

const CLI = join(import.meta.dirname, '..', 'sentiment.js');
const dir = mkdtempSync(join(tmpdir(), 'batch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const batch = (args: string[]) =>
  spawnSync(process.execPath, [CLI, 'batch', ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'error', LAKE_DIR: join(dir, 'lake'), S3_BUCKET: '' },
    timeout: 60_000,
  });

describe('sentiment batch', { timeout: 60_000 }, () => {
  it('prints days, tables, rows and seconds, and exits 1 on a skipped object only with --strict', async () => {
    const store = await LocalObjectStore.open(join(dir, 'lake'));
    await putTweets(store, '2026-05-05', [tweet('x', '2026-05-05T08:00:00Z', 0.4, ['AAA'])], 0);
    const bad = bronzeObjectKey({
      dataset: 'tweets',
      day: '2026-05-05',
      partition: 9,
      firstOffset: 0,
      lastOffset: 0,
    });
    await store.put(bad, 'garbage');
    await putProgress(store, 'tweets', 0, Date.parse('2026-05-05T09:00:00Z'));
    await store.close();

    const first = batch(['run']);
    expect(first.status, first.stderr).toBe(0);
    // The unreadable object counts by its date (X-1, X, X+1), of which only days that can have
    // rows (bronze under D or D+1): 2026-05-06 has none.
    expect(first.stdout).toMatch(/gold days 2026-05-04, 2026-05-05\n/);
    expect(first.stdout).toMatch(/sentiment_hourly: 1 rows in 1 partitions \(\d+\.\d\d s\)/);
    expect(first.stdout).toContain(`skipped ${bad}: unreadable`);
    expect(first.stdout).toMatch(/covered until nothing yet \(\d+\.\d\d s\)/);

    const strict = batch(['run', '--from', '2026-05-05', '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/1 bronze objects skipped \(--strict\)/);
  });

  it('refuses a bad day and --to before --from with exit 2', () => {
    expect(batch(['run', '--from', '2026-02-30']).status).toBe(2);
    expect(batch(['run', '--from', '2026-03-02', '--to', '2026-03-01']).status).toBe(2);
  });
});
