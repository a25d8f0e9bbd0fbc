/**
 * The embedded lake: objects are files under one root folder, keys are relative paths. A put
 * writes a hidden temporary file beside the target and renames it over the target, so a reader
 * (DuckDB, pyarrow) never sees a half-written Parquet file.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import {
  assertObjectKey,
  assertObjectPrefix,
  type ObjectInfo,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';

export class LocalObjectStore implements ObjectStore {
  private constructor(readonly root: string) {}

  static async open(root: string): Promise<LocalObjectStore> {
    const absolute = resolve(root);
    await mkdir(absolute, { recursive: true });
    return new LocalObjectStore(absolute);
  }

  private path(key: string): string {
    assertObjectKey(key);
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, body);
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.path(key));
      return s.isFile() ? { key, size: s.size, lastModified: s.mtimeMs } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertObjectPrefix(prefix);
    // Walk only the deepest folder the prefix names, not the whole lake.
    const slash = prefix.lastIndexOf('/');
    const folderKey = slash < 0 ? '' : prefix.slice(0, slash);
    yield* this.walk(folderKey, prefix);
  }

  private async *walk(folderKey: string, prefix: string): AsyncIterable<ObjectInfo> {
    const folder = folderKey === '' ? this.root : join(this.root, ...folderKey.split('/'));
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw error;
    }
    // Sort by the key each entry stands for, so a folder `a` (keys `a/…`) sorts like S3 would.
    const named = entries
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({ entry: e, key: folderKey === '' ? e.name : `${folderKey}/${e.name}` }))
      .map((x) => ({ ...x, sortKey: x.entry.isDirectory() ? `${x.key}/` : x.key }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry, key, sortKey } of named) {
      if (!(sortKey.startsWith(prefix) || prefix.startsWith(sortKey))) continue;
      if (entry.isDirectory()) {
        yield* this.walk(key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const s = await stat(join(folder, entry.name)).catch(() => undefined);
        if (s) yield { key, size: s.size, lastModified: s.mtimeMs };
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    // Remove folders the delete left empty, up to the root, as S3 has no empty "folders".
    let folder = dirname(path);
    while (folder.startsWith(this.root + sep) && folder !== this.root) {
      try {
        await rm(folder, { recursive: false });
      } catch {
        break;
      }
      folder = dirname(folder);
    }
  }

  locate(key: string): string {
    return key === '' ? this.root : this.path(key);
  }

  async close(): Promise<void> {}
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}
