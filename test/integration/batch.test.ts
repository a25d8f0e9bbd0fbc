/**
 * The batch layer against MinIO: bronze in a bucket of its own (a fresh one per run, so the fixed
 * `bronze/` and `gold/` keys meet nobody else's), synced to a local cache, gold put back through
 * the S3 adapter, byte for byte what the same bronze gives in the embedded lake.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch } from '../../batch-layer/batch-run.js';
import {
  putProgress,
  putTicks,
  putTweets,
  readParquet,
  tick,
  tweet,
} from '../../batch-layer/test-fixture.js';
import { loadConfig } from '../../infra/config.js';
import { LocalObjectStore } from '../../infra/lake/local-object-store.js';
import type { ObjectStore } from '../../infra/lake/object-store.js';
import { S3ObjectStore } from '../../infra/lake/s3-object-store.js';
import { goldObjectKey } from '../../schemas/lake.js';

const config = loadConfig(process.env);
if (!config.s3) throw new Error('S3_BUCKET is not set: run through `npm run test:integration`');
const s3 = config.s3;
const DAY = '2026-04-07';

async function writeBronze(store: ObjectStore) {
  await putTweets(
    store,
    DAY,
    [
      tweet('a', `${DAY}T09:01:00Z`, 0.5, ['AAA']),
      tweet('b', `${DAY}T09:31:00Z`, -0.3, ['AAA', 'BBB']),
      tweet('c', `${DAY}T10:02:00Z`, 0.1, ['BBB']),
    ],
    0,
  );
  await putTicks(
    store,
    DAY,
    [tick('AAA', `${DAY}T09:00:00Z`, 10, 11, 1), tick('AAA', `${DAY}T10:00:00Z`, 11, 9, 2)],
    0,
  );
  for (const dataset of ['tweets', 'stock_prices'])
    await putProgress(store, dataset, 0, Date.parse(`${DAY}T10:30:00Z`));
}

describe('batch run on MinIO', () => {
  let bucketStore: S3ObjectStore;
  let local: LocalObjectStore;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-it-'));
    bucketStore = new S3ObjectStore({ ...s3, bucket: `it-batch-${randomUUID().slice(0, 8)}` });
    await bucketStore.ensureBucket();
    local = await LocalObjectStore.open(join(dir, 'lake'));
  });
  afterAll(async () => {
    for await (const o of bucketStore.list('')) await bucketStore.delete(o.key);
    await bucketStore.close();
    await local.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('syncs bronze to the cache once, writes gold through the S3 adapter, equal to the embedded run', async () => {
    await writeBronze(bucketStore);
    await writeBronze(local);
    const lines: string[] = [];
    const cacheDir = join(dir, 'cache');
    const manifest = await runBatch({ store: bucketStore, cacheDir, log: (l) => lines.push(l) });
    expect(manifest.status).toBe('complete');
    expect(manifest.coveredUntil).toBe(`${DAY}T10:00:00.000Z`);
    expect(lines.some((l) => /cached 2 bronze objects/.test(l))).toBe(true);

    const reference = await runBatch({ store: local, cacheDir: join(dir, 'unused') });
    const keys = manifest.tables.flatMap((t) => t.partitions.map((p) => p.key));
    expect(keys).toEqual(reference.tables.flatMap((t) => t.partitions.map((p) => p.key)));
    expect(keys).toContain(goldObjectKey('sentiment_hourly', DAY));
    for (const key of keys) {
      const remote = await bucketStore.get(key);
      const embedded = await local.get(key);
      expect(Buffer.from(remote ?? []).equals(Buffer.from(embedded ?? [])), key).toBe(true);
    }
    const file = join(dir, 'hourly.parquet');
    await writeFile(
      file,
      (await bucketStore.get(goldObjectKey('sentiment_hourly', DAY))) ?? new Uint8Array(),
    );
    const hourly = await readParquet(file);
    expect(hourly.filter((r) => r.symbol === 'AAA').map((r) => r.tweets)).toEqual([2, 0]);

    // A range rerun finds every object in the cache unchanged: nothing is downloaded again.
    lines.length = 0;
    await runBatch({
      store: bucketStore,
      cacheDir,
      range: { from: DAY, to: DAY },
      log: (l) => lines.push(l),
    });
    expect(lines.some((l) => /cached/.test(l))).toBe(false);
  });
});
