/**
 * The embedded lake: objects are files under one root folder, keys are relative paths. A put
 * writes a hidden temporary file beside the target and renames it over the target, so a reader
 * (DuckDB, pyarrow) never sees a half-written Parquet file. putIfAbsent hard-links the finished
 * temporary file to the target instead: link() never replaces an existing name, so it is the
 * atomic "create only if absent" (it needs a file system with hard links, as local disks have).
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import {
  assertObjectKey,
  assertObjectPrefix,
  compareObjectKeys,
  type ObjectInfo,
  type ObjectLevel,
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

  /** Writes `body` to a hidden temporary file in the target's folder and returns its path. */
  private async writeTemporary(target: string, body: Uint8Array | string): Promise<string> {
    const folder = dirname(target);
    const temp = join(folder, `.${randomBytes(6).toString('hex')}.tmp`);
    // A concurrent delete may remove the folder (empty to it) during mkdir or before writeFile:
    // then try again. Once the temporary file is in it, the folder is not empty and stays.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(folder, { recursive: true });
        await writeFile(temp, body);
        return temp;
      } catch (error) {
        await rm(temp, { force: true });
        if (!isMissing(error) || attempt === 5) throw error;
      }
    }
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    const target = this.path(key);
    const temp = await this.writeTemporary(target, body);
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async putIfAbsent(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<boolean> {
    const target = this.path(key);
    const temp = await this.writeTemporary(target, body);
    try {
      await link(temp, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A folder of that name holds other keys; put() cannot write there either.
      if ((await stat(target).catch(() => undefined))?.isDirectory()) throw error;
      return false;
    } finally {
      await rm(temp, { force: true });
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
    const folder = this.folderOf(folderKey);
    // Sort by the key each entry stands for, so a folder `a` (keys `a/…`) sorts like S3 would.
    const named = (await entriesOf(folder))
      .map((e) => ({ entry: e, key: folderKey === '' ? e.name : `${folderKey}/${e.name}` }))
      .map((x) => ({ ...x, sortKey: x.entry.isDirectory() ? `${x.key}/` : x.key }))
      .sort((a, b) => compareObjectKeys(a.sortKey, b.sortKey));
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

  async listLevel(prefix: string): Promise<ObjectLevel> {
    assertObjectPrefix(prefix);
    // The level is one folder: the one the prefix names up to its last `/`.
    const slash = prefix.lastIndexOf('/');
    const folderKey = slash < 0 ? '' : prefix.slice(0, slash);
    const namePrefix = prefix.slice(slash + 1);
    const folder = this.folderOf(folderKey);
    const objects: ObjectInfo[] = [];
    const prefixes: string[] = [];
    for (const entry of await entriesOf(folder)) {
      if (!entry.name.startsWith(namePrefix)) continue;
      const key = folderKey === '' ? entry.name : `${folderKey}/${entry.name}`;
      if (entry.isDirectory()) {
        // S3 has no empty folders: a sub-prefix exists only while an object lies beneath it.
        if (await holdsObjects(join(folder, entry.name))) prefixes.push(`${key}/`);
      } else if (entry.isFile()) {
        const s = await stat(join(folder, entry.name)).catch(() => undefined);
        if (s) objects.push({ key, size: s.size, lastModified: s.mtimeMs });
      }
    }
    objects.sort((a, b) => compareObjectKeys(a.key, b.key));
    prefixes.sort(compareObjectKeys);
    return { objects, prefixes };
  }

  private folderOf(folderKey: string): string {
    return folderKey === '' ? this.root : join(this.root, ...folderKey.split('/'));
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    // Remove the folders the delete left empty, up to the root, as S3 has no empty "folders". rmdir
    // removes only an empty folder, so the first one that still holds something ends the climb.
    let folder = dirname(path);
    while (folder.startsWith(this.root + sep)) {
      try {
        await rmdir(folder);
      } catch (error) {
        // Gone already (a concurrent delete): keep climbing. Not empty, or anything else: stop.
        if (!isMissing(error)) break;
      }
      folder = dirname(folder);
    }
  }

  locate(key: string): string {
    return key === '' ? this.root : this.path(key);
  }

  async close(): Promise<void> {}
}

/** A folder's visible entries (temporary files are hidden); none if it does not exist. */
async function entriesOf(folder: string): Promise<Dirent[]> {
  try {
    return (await readdir(folder, { withFileTypes: true })).filter((e) => !e.name.startsWith('.'));
  } catch (error) {
    if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw error;
  }
}

/** Whether any object lies in `folder` or below; stops at the first one found. */
async function holdsObjects(folder: string): Promise<boolean> {
  const entries = await entriesOf(folder);
  if (entries.some((e) => e.isFile())) return true;
  for (const e of entries) {
    if (e.isDirectory() && (await holdsObjects(join(folder, e.name)))) return true;
  }
  return false;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}
