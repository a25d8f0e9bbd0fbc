import { mkdir, mkdtemp, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { objectStoreContract } from './object-store.contract.js';

objectStoreContract('local folder', async () =>
  LocalObjectStore.open(await mkdtemp(join(tmpdir(), 'lake-'))),
);

describe('local object store', () => {
  it('leaves no temporary files behind and lays keys out as folders', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lake-'));
    const store = await LocalObjectStore.open(root);
    await store.put('bronze/tweets/date=2024-05-01/part.parquet', 'x');
    expect(await readdir(join(root, 'bronze/tweets/date=2024-05-01'))).toEqual(['part.parquet']);
    expect(store.locate('bronze/tweets/date=2024-05-01/part.parquet')).toBe(
      join(root, 'bronze/tweets/date=2024-05-01/part.parquet'),
    );
  });

  it('removes the folders the last object of a folder leaves empty, up to a non-empty one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lake-'));
    const store = await LocalObjectStore.open(root);
    await store.put('bronze/tweets/date=2024-05-01/a.parquet', 'a');
    await store.put('bronze/tweets/date=2024-05-01/b.parquet', 'b');
    await store.put('bronze/prices/date=2024-05-01/c.parquet', 'c');
    await store.delete('bronze/tweets/date=2024-05-01/a.parquet');
    expect(await readdir(join(root, 'bronze/tweets/date=2024-05-01'))).toEqual(['b.parquet']);
    await store.delete('bronze/tweets/date=2024-05-01/b.parquet');
    // date=… and tweets/ are gone; bronze/ still holds prices/, so the climb stops there.
    expect(await readdir(join(root, 'bronze'))).toEqual(['prices']);
    await store.delete('bronze/prices/date=2024-05-01/c.parquet');
    expect(await readdir(root)).toEqual([]);
    expect((await stat(root)).isDirectory()).toBe(true);
  });

  it('lists no sub-prefix for a folder that holds no object (left by a crash, or temporary files only)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lake-'));
    const store = await LocalObjectStore.open(root);
    await mkdir(join(root, 'gold/empty/deeper'), { recursive: true });
    await mkdir(join(root, 'gold/only-temp'), { recursive: true });
    await writeFile(join(root, 'gold/only-temp/.a1b2c3.tmp'), 'half');
    await store.put('gold/table/date=2024-05-01/part-00000.parquet', 'x');
    expect(await store.listLevel('gold/')).toEqual({ objects: [], prefixes: ['gold/table/'] });
  });

  it('keeps a put that races with the delete emptying its folder', async () => {
    const store = await LocalObjectStore.open(await mkdtemp(join(tmpdir(), 'lake-')));
    for (let i = 0; i < 300; i++) {
      await store.put(`race/${i}/old.txt`, 'old');
      await Promise.all([store.delete(`race/${i}/old.txt`), store.put(`race/${i}/new.txt`, 'new')]);
      expect(await store.head(`race/${i}/new.txt`)).toMatchObject({ size: 3 });
    }
  });
});
