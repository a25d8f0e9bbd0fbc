/**
 * Gold objects as local files for DuckDB, fetched through the lake port once per (run, key).
 * Gold is immutable per run as far as the API is concerned: the first read of a key under a run
 * is the one every later query of that run uses (a run that publishes meanwhile only makes a day
 * more complete, never less, for the hours before the older horizon). An absent object is
 * remembered as absent for the run too. Files of runs older than the two latest are removed.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '../../infra/lake/object-store.js';
import type { BackendCall } from '../backend-call.js';

const KEPT_RUNS = 2;

export interface GoldFilesOptions {
  store: ObjectStore;
  /** The folder the files live in; each run gets a sub-folder. */
  dir: string;
  backend: string;
  call: BackendCall;
}

const safeName = (runId: string) => runId.replace(/[^A-Za-z0-9._-]/g, '_');

export class GoldFiles {
  private readonly files = new Map<string, Promise<string | undefined>>();
  private readonly runs: string[] = [];
  private written = 0;

  constructor(private readonly options: GoldFilesOptions) {}

  /** The local path of `key` as of run `runId`, or undefined when the lake has no such object. */
  path(runId: string, key: string): Promise<string | undefined> {
    this.noteRun(runId);
    const id = `${runId}\u0000${key}`;
    let file = this.files.get(id);
    if (!file) {
      file = this.fetch(runId, key);
      this.files.set(id, file);
      // A failed fetch is retried by the next query, not remembered.
      file.catch(() => {
        if (this.files.get(id) === file) this.files.delete(id);
      });
    }
    return file;
  }

  private async fetch(runId: string, key: string): Promise<string | undefined> {
    const { store, backend, call, dir } = this.options;
    const bytes = await call(backend, () => store.get(key));
    if (!bytes) return undefined;
    const path = join(dir, safeName(runId), ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    // Written aside and renamed, so a concurrent reader never opens half a file.
    const temporary = `${path}.${process.pid}.${this.written++}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
    return path;
  }

  private noteRun(runId: string): void {
    if (this.runs.includes(runId)) return;
    this.runs.push(runId);
    while (this.runs.length > KEPT_RUNS) {
      const old = this.runs.shift() as string;
      for (const id of [...this.files.keys()]) if (id.startsWith(`${old}\u0000`)) this.files.delete(id);
      void rm(join(this.options.dir, safeName(old)), { recursive: true, force: true }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.files.clear();
  }
}
