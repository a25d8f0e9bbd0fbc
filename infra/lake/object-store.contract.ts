/**
 * The object-store contract: one suite for the local folder and for S3/MinIO. Each run works
 * under its own random prefix, so runs against a shared bucket never collide.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectInfo, ObjectStore } from './object-store.js';

async function collect(items: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const text = (bytes: Uint8Array | undefined) => (bytes ? new TextDecoder().decode(bytes) : undefined);

export function objectStoreContract(name: string, open: () => Promise<ObjectStore>): void {
  describe(`object store contract: ${name}`, () => {
    let store: ObjectStore;
    const run = `contract-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      for (const o of await collect(store.list(`${run}/`))) await store.delete(o.key);
      await store.close();
    });

    it('puts and gets bytes and text, and overwrites', async () => {
      const key = `${run}/a/b/object.bin`;
      await store.put(key, Uint8Array.from([0, 1, 2, 255]));
      expect([...((await store.get(key)) ?? [])]).toEqual([0, 1, 2, 255]);
      await store.put(key, 'second');
      expect(text(await store.get(key))).toBe('second');
      const info = await store.head(key);
      expect(info?.size).toBe(6);
      expect(info?.key).toBe(key);
    });

    it('answers undefined for a missing object', async () => {
      expect(await store.get(`${run}/missing`)).toBeUndefined();
      expect(await store.head(`${run}/missing`)).toBeUndefined();
    });

    it('lists by prefix in key order, recursively', async () => {
      const keys = [
        `${run}/list/date=2024-05-02/x.parquet`,
        `${run}/list/date=2024-05-01/b.parquet`,
        `${run}/list/date=2024-05-01/a.parquet`,
        `${run}/listing-other/z.parquet`,
        `${run}/list-a.txt`,
      ];
      for (const key of keys) await store.put(key, key);
      const all = (await collect(store.list(`${run}/list/`))).map((o) => o.key);
      expect(all).toEqual([
        `${run}/list/date=2024-05-01/a.parquet`,
        `${run}/list/date=2024-05-01/b.parquet`,
        `${run}/list/date=2024-05-02/x.parquet`,
      ]);
      const partial = (await collect(store.list(`${run}/list`))).map((o) => o.key);
      expect(partial).toEqual([...keys].filter((k) => k.startsWith(`${run}/list`)).sort());
      const day = await collect(store.list(`${run}/list/date=2024-05-01/`));
      expect(day.map((o) => o.size)).toEqual([keys[2]?.length, keys[1]?.length]);
      expect(await collect(store.list(`${run}/nothing-here/`))).toEqual([]);
    });

    it('deletes, and deleting a missing object is not an error', async () => {
      const key = `${run}/delete/me.txt`;
      await store.put(key, 'x');
      await store.delete(key);
      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      expect(await collect(store.list(`${run}/delete/`))).toEqual([]);
    });

    it('refuses keys that escape or are malformed', async () => {
      for (const bad of [
        '',
        '/abs/key',
        '../escape',
        'a/../b',
        'a//b',
        'a/./b',
        'a\\b',
        'a/.hidden',
        'trailing/',
      ]) {
        await expect(store.put(bad, 'x')).rejects.toThrow(/invalid object key/);
      }
    });

    it('keeps a put atomic under concurrent writers: readers see one whole version', async () => {
      const key = `${run}/atomic/object.txt`;
      const versions = Array.from({ length: 8 }, (_, i) => `${String(i).repeat(64 * 1024)}`);
      await Promise.all(versions.map((v) => store.put(key, v)));
      const final = text(await store.get(key));
      expect(versions).toContain(final);
    });

    it('creates an absent object once: a second putIfAbsent leaves the first body', async () => {
      const key = `${run}/create/once.txt`;
      expect(await store.putIfAbsent(key, 'first')).toBe(true);
      expect(await store.putIfAbsent(key, 'second')).toBe(false);
      expect(text(await store.get(key))).toBe('first');
      await store.put(key, 'overwritten');
      expect(await store.putIfAbsent(key, 'third')).toBe(false);
      expect(text(await store.get(key))).toBe('overwritten');
      await store.delete(key);
      expect(await store.putIfAbsent(key, 'after delete')).toBe(true);
      expect(text(await store.get(key))).toBe('after delete');
    });

    it('lets exactly one of 10 concurrent putIfAbsent win, and keeps its whole body', async () => {
      for (let round = 0; round < 3; round++) {
        const key = `${run}/race/${round}.bin`;
        // Bodies big enough that a write takes a while, and different in every byte.
        const bodies = Array.from({ length: 10 }, (_, i) => `${i}`.repeat(256 * 1024));
        const won = await Promise.all(bodies.map((b) => store.putIfAbsent(key, b)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(text(await store.get(key))).toBe(bodies[won.indexOf(true)]);
      }
    });

    it('refuses a malformed key for putIfAbsent', async () => {
      await expect(store.putIfAbsent(`${run}/a//b`, 'x')).rejects.toThrow(/invalid object key/);
    });

    it('lists one level: the objects directly under a prefix and its sub-prefixes, in key order', async () => {
      const base = `${run}/level/bronze/tweets`;
      const keys = [
        `${base}/date=2024-05-02/p1-9.parquet`,
        `${base}/date=2024-05-01/p0-2.parquet`,
        `${base}/date=2024-05-01/p0-1.parquet`,
        `${base}/date=2024-05-01/deeper/x.parquet`,
        `${base}/_progress.json`,
        `${base}/a.json`,
        `${base}-other/z.json`,
      ];
      for (const key of keys) await store.put(key, key);
      const top = await store.listLevel(`${base}/`);
      expect(top.objects.map((o) => o.key)).toEqual([`${base}/_progress.json`, `${base}/a.json`]);
      expect(top.objects.map((o) => o.size)).toEqual([
        `${base}/_progress.json`.length,
        `${base}/a.json`.length,
      ]);
      expect(top.prefixes).toEqual([`${base}/date=2024-05-01/`, `${base}/date=2024-05-02/`]);

      const day = await store.listLevel(`${base}/date=2024-05-01/`);
      expect(day.objects.map((o) => o.key)).toEqual([
        `${base}/date=2024-05-01/p0-1.parquet`,
        `${base}/date=2024-05-01/p0-2.parquet`,
      ]);
      expect(day.prefixes).toEqual([`${base}/date=2024-05-01/deeper/`]);
      // The last object of a partition folder, without listing anything below it.
      expect(day.objects.at(-1)?.key).toBe(`${base}/date=2024-05-01/p0-2.parquet`);

      // A prefix that ends inside a name matches names that start with it, as in S3.
      const partial = await store.listLevel(`${base}/date=2024-05-0`);
      expect(partial.objects).toEqual([]);
      expect(partial.prefixes).toEqual([`${base}/date=2024-05-01/`, `${base}/date=2024-05-02/`]);
      const beside = await store.listLevel(`${base}`);
      expect(beside.prefixes).toEqual([`${base}-other/`, `${base}/`]);

      expect(await store.listLevel(`${run}/level/nothing-here/`)).toEqual({ objects: [], prefixes: [] });
    });

    it('drops a sub-prefix from the level once its last object is deleted', async () => {
      const base = `${run}/level-delete`;
      await store.put(`${base}/keep.txt`, 'k');
      await store.put(`${base}/gone/only.txt`, 'g');
      expect((await store.listLevel(`${base}/`)).prefixes).toEqual([`${base}/gone/`]);
      await store.delete(`${base}/gone/only.txt`);
      expect(await store.listLevel(`${base}/`)).toMatchObject({
        objects: [{ key: `${base}/keep.txt` }],
        prefixes: [],
      });
    });

    it('names where a key lives for outside readers', () => {
      expect(store.locate(`${run}/x.parquet`)).toMatch(/x\.parquet$/);
    });
  });
}
