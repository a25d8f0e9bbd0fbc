/**
 * What both stages do the same way: write a batch's outputs (all at once, a partition's bronze
 * objects in order) and checkpoint the tasks whose interval is up.
 */
import type { TSchema } from 'typebox';
import { encodeParquet } from '../infra/lake/parquet-writer.js';
import type { BronzeRow, ClosedBronzeObject } from './bronze-batcher.js';
import type { BronzeProgress } from './checkpoints.js';
import type { CrashPoints } from './crash-points.js';
import type { SpeedMetrics } from './metrics.js';

interface SinkDeps {
  metrics: SpeedMetrics;
  crash: CrashPoints;
}

/**
 * A partition's closed bronze objects, in offset order, each put done before the next begins (the
 * partition's bronze progress relies on that order to know what a replay must skip).
 */
export async function putBronzeObjects(
  deps: SinkDeps,
  schema: TSchema,
  progress: BronzeProgress,
  closed: readonly ClosedBronzeObject<BronzeRow>[],
  now: number,
): Promise<void> {
  for (const object of closed) {
    const body = encodeParquet(schema, object.rows);
    await deps.metrics.timed('bronze', () => progress.putObject(object.key, object.lastOffset, body, now));
    deps.crash.reached('after-bronze-put');
  }
}

/** Waits for every write; the first failure is thrown once all have settled (none is left running). */
export async function settleWrites(deps: SinkDeps, writes: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  if (writes.length > 0) deps.crash.reached('after-sinks');
}

/** Checkpoints every task whose checkpoint interval has passed (all of them when `force`). */
export async function checkpointDue<T extends { lastCheckpointAt: number }>(
  tasks: ReadonlyMap<number, T>,
  now: number,
  force: boolean,
  intervalMs: number,
  checkpoint: (partition: number, task: T) => Promise<void>,
): Promise<void> {
  await Promise.all(
    [...tasks].map(([partition, task]) =>
      force || now - task.lastCheckpointAt >= intervalMs ? checkpoint(partition, task) : undefined,
    ),
  );
}
