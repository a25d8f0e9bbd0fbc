import { mkdtemp, readdir } from 'node:fs/promises';
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
});
