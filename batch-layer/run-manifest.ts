/**
 * What a run records in the lake, for the API (the horizon) and for the next run (what it has
 * absorbed): `gold/_runs/<runId>.json`, then `gold/_runs/latest.json` pointing at the latest run
 * that completed. The pointer is written last, so a reader that finds it finds a whole manifest.
 */
import type { ObjectStore } from '../infra/lake/object-store.js';
import type { LatestRunPointer } from '../schemas/gold.js';
import { goldRunKey } from '../schemas/lake.js';
import type { InputError } from './engine.js';
import { GOLD_LATEST_RUN_KEY } from './gold-keys.js';

export interface ObjectVersion {
  size: number;
  lastModified: number;
}

export interface TableOutput {
  table: string;
  partitions: { key: string; day?: string; rows: number; bytes: number }[];
  rows: number;
}

export interface RunManifest {
  runId: string;
  engine: string;
  status: 'complete' | 'failed';
  startedAt: string;
  finishedAt: string;
  /** Gold days this run computed (and whose partitions it rewrote). */
  dates: string[];
  /** The explicit range asked for, if any. */
  range?: { from: string; to: string };
  /**
   * ISO time: gold holds every hour before it, computed from bronze complete up to it (the end of
   * the last whole hour every bronze partition's progress had passed when the run listed bronze,
   * and no stale day before it); null when bronze has not recorded any progress yet.
   */
  coveredUntil: string | null;
  /** The bronze objects this run read. */
  inputs: { key: string; size: number; lastModified: number }[];
  /** The gold partitions of earlier runs it read (the other days of an `all_days()` model). */
  goldInputs: { key: string; size: number; lastModified: number }[];
  /** The bronze objects gold reflects after this run (what the next scheduled run compares with). */
  absorbed: Record<string, ObjectVersion>;
  tables: TableOutput[];
  /** Gold objects of computed days deleted because the day has no rows now. */
  removed?: string[];
  rows: number;
  /** Bronze objects skipped as unreadable or of another schema; and a failure's cause. */
  errors: InputError[];
  failure?: string;
  seconds: number;
}

// The pointer is read by the API too, so its type lives in schemas/.
export type { LatestRunPointer } from '../schemas/gold.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readJson<T>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.get(key);
  return bytes ? (JSON.parse(decoder.decode(bytes)) as T) : undefined;
}

export const readLatestPointer = (store: ObjectStore) =>
  readJson<LatestRunPointer>(store, GOLD_LATEST_RUN_KEY);

export async function readLatestManifest(store: ObjectStore): Promise<RunManifest | undefined> {
  const pointer = await readLatestPointer(store);
  return pointer ? readJson<RunManifest>(store, pointer.key) : undefined;
}

export async function writeManifest(store: ObjectStore, manifest: RunManifest): Promise<string> {
  const key = goldRunKey(manifest.runId);
  await store.put(key, encoder.encode(JSON.stringify(manifest, null, 1)), {
    contentType: 'application/json',
  });
  return key;
}

export async function pointLatestAt(store: ObjectStore, manifest: RunManifest, key: string): Promise<void> {
  const pointer: LatestRunPointer = {
    runId: manifest.runId,
    key,
    coveredUntil: manifest.coveredUntil,
    finishedAt: manifest.finishedAt,
  };
  await store.put(GOLD_LATEST_RUN_KEY, encoder.encode(JSON.stringify(pointer)), {
    contentType: 'application/json',
  });
}
