/**
 * Local files for the bronze objects a run reads. DuckDB cannot load its S3 extension here, so an
 * S3 lake's objects are copied to a cache folder, each only when it is missing or its size or
 * last-modified time (what the lake port's listing gives) differs from the cached copy's. An
 * embedded lake's files are read where they are (`locate()` gives their path).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { ObjectInfo, ObjectStore } from '../infra/lake/object-store.js';

export interface CacheSync {
  /** key → local path */
  paths: Map<string, string>;
  downloaded: number;
  downloadedBytes: number;
}

interface CacheIndex {
  [key: string]: { size: number; lastModified: number };
}

const INDEX = 'index.json';

export function readsInPlace(store: ObjectStore): boolean {
  return isAbsolute(store.locate('probe'));
}

export async function syncBronze(
  store: ObjectStore,
  objects: readonly ObjectInfo[],
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<CacheSync> {
  const paths = new Map<string, string>();
  if (readsInPlace(store)) {
    for (const o of objects) paths.set(o.key, store.locate(o.key));
    return { paths, downloaded: 0, downloadedBytes: 0 };
  }
  await mkdir(cacheDir, { recursive: true });
  const indexPath = join(cacheDir, INDEX);
  const index: CacheIndex = await readFile(indexPath, 'utf8').then(
    (text) => JSON.parse(text) as CacheIndex,
    () => ({}),
  );
  let downloaded = 0;
  let downloadedBytes = 0;
  let done = 0;
  for (const o of objects) {
    const local = join(cacheDir, ...o.key.split('/'));
    const cached = index[o.key];
    if (!cached || cached.size !== o.size || cached.lastModified !== o.lastModified) {
      const body = await store.get(o.key);
      // Gone since it was listed: nothing to read (a deleted copy stays out of the run too).
      if (!body) {
        onProgress?.(++done, objects.length);
        continue;
      }
      {
        await mkdir(dirname(local), { recursive: true });
        // Written beside and renamed, so a killed sync never leaves a half file under the key's name.
        const temp = `${local}.${process.pid}.part`;
        await writeFile(temp, body);
        await rename(temp, local);
        index[o.key] = { size: o.size, lastModified: o.lastModified };
        downloaded++;
        downloadedBytes += body.byteLength;
        // The index is saved as it grows so that a killed sync keeps what it fetched.
        if (downloaded % 50 === 0) await saveIndex(indexPath, index);
      }
    }
    paths.set(o.key, local);
    onProgress?.(++done, objects.length);
  }
  await saveIndex(indexPath, index);
  return { paths, downloaded, downloadedBytes };
}

async function saveIndex(path: string, index: CacheIndex): Promise<void> {
  const temp = `${path}.${process.pid}.part`;
  await writeFile(temp, JSON.stringify(index));
  await rename(temp, path);
}
