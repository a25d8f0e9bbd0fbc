/**
 * What both stages do the same way: write a batch's outputs (all at once, a partition's bronze
 * objects in order, several batches in flight) and checkpoint the tasks whose interval is up.
 */
import type { Static, TSchema } from 'typebox';
import { ParquetRows } from '../infra/lake/parquet-writer.js';
import type { BronzeDataset } from '../schemas/lake.js';
import { BronzeBatcher, type BronzeRow, type ClosedBronzeObject } from './bronze-batcher.js';
import type { BronzeProgress } from './checkpoints.js';
import type { CrashPoints } from './crash-points.js';
import type { SpeedMetrics } from './metrics.js';

interface SinkDeps {
  metrics: SpeedMetrics;
  crash: CrashPoints;
}

/** A bronze object closed with its rows as the columns of its Parquet file. */
export type ParquetBronzeObject = ClosedBronzeObject<{ encode(): Uint8Array; readonly length: number }>;

/** A partition's bronze batcher that keeps each open object as Parquet columns (`ParquetRows`). */
export type ParquetBronzeBatcher<S extends TSchema> = BronzeBatcher<Static<S> & BronzeRow, ParquetRows<S>>;

export function parquetBronzeBatcher<S extends TSchema>(
  schema: S,
  options: {
    dataset: BronzeDataset;
    partition: number;
    maxRows: number;
    maxSpanMs: number;
    maxAgeMs: number;
  },
): ParquetBronzeBatcher<S> {
  return new BronzeBatcher<Static<S> & BronzeRow, ParquetRows<S>>({
    ...options,
    newRows: () => new ParquetRows(schema),
  });
}

/**
 * A partition's closed bronze objects, in offset order, each put done before the next begins (the
 * partition's bronze progress relies on that order to know what a replay must skip).
 */
export async function putBronzeObjects(
  deps: SinkDeps,
  progress: BronzeProgress,
  closed: readonly ParquetBronzeObject[],
  now: number,
): Promise<void> {
  for (const object of closed) {
    const body = object.rows.encode();
    await deps.metrics.timed('bronze', () => progress.putObject(object.key, object.lastOffset, body, now));
    deps.crash.reached('after-bronze-put');
  }
}

/**
 * The sink writes of successive batches, several batches in flight at once: a stage computes batch
 * N + 1 while batch N's rows are on their way to Cassandra, the lake and Kafka, instead of waiting
 * for each round trip in turn. Nothing is committed from here: a stage drains the pipeline before
 * every checkpoint (and so before every commit), so a checkpoint only ever covers written batches.
 *
 * Two batches in flight may write the same row (a provisional price and then the final one; a
 * minute row and its update), and their requests can land in either order. So every write carries
 * a write time from `nextWriteTime()`, increasing from batch to batch, and Cassandra keeps per cell
 * the value with the newest write time: the later batch wins however the requests land.
 */
export class WritePipeline {
  private readonly inFlight: { settled: Promise<PromiseSettledResult<unknown>[]>; after?: () => void }[] = [];
  private lastWriteTime = 0;
  /** Batches whose writes all succeeded, since the start. */
  settledBatches = 0;

  constructor(
    private readonly deps: SinkDeps,
    /** Batches whose writes may be in flight at once; 1 waits for each batch before the next. */
    private readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1)
      throw new Error(`pipeline depth must be a positive integer (got ${depth})`);
  }

  /** Epoch ms for `UpsertOptions.writeTime`: wall-clock, and later than any given before. */
  nextWriteTime(): number {
    this.lastWriteTime = Math.max(this.lastWriteTime + 1, Date.now());
    return this.lastWriteTime;
  }

  /**
   * Adds one batch's writes; resolves once at most `depth` batches are still in flight. Throws the
   * first failure of a batch it waited for, after every write in flight has settled (none is left
   * running when the stage rebuilds its state). `after` runs once the batch's writes all succeeded.
   */
  async submit(writes: Promise<unknown>[], after?: () => void): Promise<void> {
    this.inFlight.push({ settled: Promise.allSettled(writes), after });
    while (this.inFlight.length > this.depth) await this.settleOldest();
  }

  /** Waits for every batch in flight, in order; throws as `submit` does. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.settleOldest();
  }

  /** Resolves once every batch in flight now is written (later ones aside); rejects on a failure. */
  written(): Promise<void> {
    return Promise.all(this.inFlight.map((batch) => batch.settled)).then((batches) => {
      for (const results of batches) for (const r of results) if (r.status === 'rejected') throw r.reason;
    });
  }

  /** Waits for every batch in flight, ignoring failures: nothing is left running after it. */
  async settle(): Promise<void> {
    const all = this.inFlight.splice(0);
    await Promise.all(all.map((batch) => batch.settled));
  }

  /** Batches in flight now. */
  get size(): number {
    return this.inFlight.length;
  }

  private async settleOldest(): Promise<void> {
    const oldest = this.inFlight.shift();
    if (!oldest) return;
    const results = await oldest.settled;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const rest = this.inFlight.splice(0);
      await Promise.all(rest.map((batch) => batch.settled));
      throw failed.reason;
    }
    this.settledBatches++;
    if (results.length > 0) this.deps.crash.reached('after-sinks');
    oldest.after?.();
  }
}

/**
 * Chains writes that must land in order: each starts when the one before it is done, also across
 * batches in flight together, and none starts after one has failed. A partition's bronze puts use
 * one (its bronze progress relies on that order), and so do stage 2's alert events.
 */
export class WriteChain {
  private tail: Promise<void> = Promise.resolve();

  after(put: () => Promise<void>): Promise<void> {
    const next = this.tail.then(put);
    this.tail = next;
    return next;
  }
}

/** A checkpoint's state, captured; the function writes it (and commits what it covers). */
export type CapturedCheckpoint = () => Promise<void>;

/**
 * Checkpoints taken at a batch boundary and written in the background, as Flink snapshots state
 * asynchronously: a task's state is captured at once (encoded, so later batches cannot change it),
 * then written, and its offsets committed, once every sink write submitted before it is durable,
 * while the stage reads on, instead of stopping for its writes' drain and four or five round trips
 * to the lake and Kafka.
 *
 * One checkpoint is in flight per stage: a task due while one runs waits for the next call after
 * it. A checkpoint that fails is thrown at the stage's next call, and the stage rebuilds its tasks
 * from the last checkpoint written, as after a failed sink write. A forced checkpoint (a
 * rebalance, a shutdown) waits for the one in flight, then runs in the foreground.
 */
export class BackgroundCheckpoints {
  private running: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly pipeline: WritePipeline,
    private readonly metrics: SpeedMetrics,
    private readonly stage: string,
  ) {}

  /**
   * Captures every task whose interval has passed (all of them when `force`) and writes them:
   * in the background, or before returning when forced. `capture` returns nothing for a task
   * with nothing new to write.
   */
  async due<T extends { lastCheckpointAt: number }>(
    tasks: ReadonlyMap<number, T>,
    now: number,
    force: boolean,
    intervalMs: number,
    capture: (partition: number, task: T) => CapturedCheckpoint | undefined,
  ): Promise<void> {
    if (force) await this.finish();
    this.rethrow();
    if (this.running) return;
    const due = [...tasks].filter(([, task]) => force || now - task.lastCheckpointAt >= intervalMs);
    if (due.length === 0) return;
    const captureTimer = this.metrics.checkpointPhase.startTimer({ stage: this.stage, phase: 'capture' });
    const writes = due.flatMap(([partition, task]) => capture(partition, task) ?? []);
    captureTimer();
    if (writes.length === 0) return;
    // Taken now: the batches the captured state covers, not those submitted while it is written.
    const durable = this.pipeline.written();
    const run = (async () => {
      const drained = this.metrics.checkpointPhase.startTimer({ stage: this.stage, phase: 'drain' });
      await durable;
      drained();
      const written = this.metrics.checkpointPhase.startTimer({ stage: this.stage, phase: 'write' });
      await Promise.all(writes.map((write) => write()));
      written();
    })();
    if (force) return run;
    const running: Promise<void> = run
      .then(
        () => undefined,
        (error: unknown) => {
          this.failure = { error };
        },
      )
      .finally(() => {
        if (this.running === running) this.running = undefined;
      });
    this.running = running;
  }

  /** Waits for the checkpoint in flight; throws its failure. */
  async finish(): Promise<void> {
    await this.running;
    this.rethrow();
  }

  /** Waits for the checkpoint in flight, forgetting a failure (the stage is rebuilt anyway). */
  async settle(): Promise<void> {
    await this.running;
    this.failure = undefined;
  }

  private rethrow(): void {
    const failure = this.failure;
    if (!failure) return;
    this.failure = undefined;
    throw failure.error;
  }
}
