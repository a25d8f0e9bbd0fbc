/**
 * What bronze holds: its objects (by listing the lake) and how far in event time each source
 * partition is complete (the speed layer's progress records, `bronze/_progress/<dataset>/p<N>.json`
 * with `completeUntil`, see speed-layer/checkpoints.ts; read here by key, as layers share files,
 * not code).
 */
import type { ObjectInfo, ObjectStore } from '../infra/lake/object-store.js';
import { type BronzeDataset, bronzeDatasetPrefix, parseBronzeObjectKey } from '../schemas/lake.js';
import { HOUR_MS } from '../schemas/time.js';

export interface BronzeObjectInfo extends ObjectInfo {
  dataset: BronzeDataset;
  /** The `date=` of its key. */
  date: string;
}

export async function listBronze(
  store: ObjectStore,
  datasets: readonly BronzeDataset[],
): Promise<BronzeObjectInfo[]> {
  const objects: BronzeObjectInfo[] = [];
  for (const dataset of datasets) {
    for await (const info of store.list(bronzeDatasetPrefix(dataset))) {
      const parsed = parseBronzeObjectKey(info.key);
      // Progress records and anything else under bronze/<dataset>/ that is not an object name.
      if (!parsed || parsed.dataset !== dataset) continue;
      objects.push({ ...info, dataset, date: parsed.day });
    }
  }
  return objects;
}

export const bronzeProgressPrefix = (dataset: BronzeDataset): string => `bronze/_progress/${dataset}/`;

export interface PartitionProgress {
  dataset: BronzeDataset;
  key: string;
  /** Epoch ms; null: the partition has not recorded any yet. */
  completeUntil: number | null;
}

export async function readBronzeProgress(
  store: ObjectStore,
  datasets: readonly BronzeDataset[],
): Promise<PartitionProgress[]> {
  const records: PartitionProgress[] = [];
  const decoder = new TextDecoder();
  for (const dataset of datasets) {
    const prefix = bronzeProgressPrefix(dataset);
    for await (const info of store.list(prefix)) {
      if (!/^p\d+\.json$/.test(info.key.slice(prefix.length))) continue;
      const body = await store.get(info.key);
      if (!body) continue;
      let completeUntil: number | null = null;
      try {
        const value = (JSON.parse(decoder.decode(body)) as { completeUntil?: unknown }).completeUntil;
        completeUntil = typeof value === 'number' && Number.isFinite(value) ? value : null;
      } catch {
        completeUntil = null;
      }
      records.push({ dataset, key: info.key, completeUntil });
    }
  }
  return records;
}

/**
 * The end of the last whole hour every partition of every dataset has passed: each dataset needs
 * at least one progress record, and a partition without a watermark yet holds the horizon back.
 * Null when nothing is known to be complete.
 */
export function bronzeCompleteHour(
  progress: readonly PartitionProgress[],
  datasets: readonly BronzeDataset[],
): number | null {
  let least = Number.POSITIVE_INFINITY;
  for (const dataset of datasets) {
    const records = progress.filter((p) => p.dataset === dataset);
    if (records.length === 0) return null;
    for (const r of records) {
      if (r.completeUntil === null) return null;
      least = Math.min(least, r.completeUntil);
    }
  }
  return Math.floor(least / HOUR_MS) * HOUR_MS;
}
