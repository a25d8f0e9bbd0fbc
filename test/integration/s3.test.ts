/**
 * The object-store contract against MinIO (S3_ENDPOINT, S3_BUCKET, credentials set by
 * `npm run test:integration`), plus multipart uploads and paged listings.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { objectStoreContract } from '../../infra/lake/object-store.contract.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../infra/lake/s3-object-store.js';

const config = loadConfig(process.env);
if (!config.s3) throw new Error('S3_BUCKET is not set: run through `npm run test:integration`');
const s3 = config.s3;
const open = async (extra: Partial<S3ObjectStoreOptions> = {}) => {
  const store = new S3ObjectStore({ ...s3, ...extra });
  await store.ensureBucket();
  return store;
};

objectStoreContract('s3 (minio)', () => open());

describe('s3 adapter on MinIO', () => {
  const run = `it-${randomUUID().slice(0, 8)}`;
  let store: S3ObjectStore;
  beforeAll(async () => {
    store = await open({
      multipartThresholdBytes: 6 * 1024 * 1024,
      partSizeBytes: 5 * 1024 * 1024,
      listPageSize: 2,
    });
  });
  afterAll(async () => {
    for await (const o of store.list(`${run}/`)) await store.delete(o.key);
    await store.close();
  });

  it('creates a missing bucket', async () => {
    const bucket = `it-bucket-${randomUUID().slice(0, 8)}`;
    const other = await open({ bucket });
    await other.put('probe.txt', 'ok');
    expect(new TextDecoder().decode(await other.get('probe.txt'))).toBe('ok');
    await other.delete('probe.txt');
    await other.close();
  });

  it('uploads a large object in parts and reads it back byte for byte', async () => {
    const body = randomBytes(13 * 1024 * 1024);
    await store.put(`${run}/big/object.bin`, body);
    const back = await store.get(`${run}/big/object.bin`);
    expect(back?.byteLength).toBe(body.byteLength);
    expect(Buffer.from(back ?? []).equals(body)).toBe(true);
  });

  it('lists every key across pages, in key order', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `${run}/paged/k${i}.txt`);
    for (const key of [...keys].reverse()) await store.put(key, key);
    const listed: string[] = [];
    for await (const o of store.list(`${run}/paged/`)) listed.push(o.key);
    expect(listed).toEqual(keys);
  });

  it('lists one level across pages: objects and sub-prefixes each complete and in key order', async () => {
    const objects = Array.from({ length: 5 }, (_, i) => `${run}/level/o${i}.txt`);
    const folders = Array.from({ length: 5 }, (_, i) => `${run}/level/f${i}/`);
    for (const key of [...objects].reverse()) await store.put(key, key);
    for (const folder of folders) {
      await store.put(`${folder}a.txt`, 'a');
      await store.put(`${folder}b.txt`, 'b');
    }
    // listPageSize 2: the 15 keys come back in several pages, mixing objects and prefixes.
    const level = await store.listLevel(`${run}/level/`);
    expect(level.objects.map((o) => o.key)).toEqual(objects);
    expect(level.prefixes).toEqual(folders);
  });

  it('keeps the first body when putIfAbsent races on a large object', async () => {
    const key = `${run}/race/big.bin`;
    // Above the multipart threshold (6 MiB here): still one conditional PutObject each.
    const bodies = Array.from({ length: 4 }, (_, i) => Buffer.alloc(7 * 1024 * 1024, i + 1));
    const won = await Promise.all(bodies.map((b) => store.putIfAbsent(key, b)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const back = Buffer.from((await store.get(key)) ?? []);
    expect(back.equals(bodies[won.indexOf(true)] as Buffer)).toBe(true);
  });

  it('names objects as s3:// URLs', () => {
    expect(store.locate(`${run}/x.parquet`)).toBe(`s3://${s3.bucket}/${run}/x.parquet`);
  });
});
