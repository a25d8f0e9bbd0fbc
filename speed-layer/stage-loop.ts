/**
 * The loop every speed-layer stage runs: poll a consumer, hand the batch to the stage, let it
 * checkpoint and commit, and keep going through backend outages until told to stop. Batches and
 * rebalance callbacks run one at a time (the listener may fire while a batch is in hand), so a
 * stage never sees a partition revoked in the middle of writing its batch.
 */

import {
  CommitRefusedError,
  EventLogClosedError,
  type LogConsumer,
  type LogMessage,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../infra/kafka/event-log.js';
import type { Logger } from '../infra/logger.js';
import { backoffDelay, isRetryable, messageOf, sleep } from '../infra/retry.js';

export interface Stage {
  readonly name: string;
  onAssigned(partitions: TopicPartition[]): Promise<void>;
  /** Flushes, checkpoints and commits the partitions, then forgets them. */
  onRevoked(partitions: TopicPartition[]): Promise<void>;
  /** Waits for the sink writes still in flight, whatever their outcome (before `onLost`). */
  settle(): Promise<void>;
  /** Batches whose sink writes are in flight, and batches whose writes have all succeeded so far. */
  writes(): { inFlight: number; settled: number };
  /** Forgets every partition without writing anything (after a failed write: state is rebuilt by replay). */
  onLost(): void;
  handle(batch: LogMessage[], now: number): Promise<void>;
  /** Called after every poll, also an empty one: time-driven work (idle markers, aged objects, checkpoints). */
  tick(now: number, force: boolean): Promise<void>;
}

export class BackendDownError extends Error {
  constructor(
    readonly stage: string,
    readonly downForMs: number,
    cause: unknown,
  ) {
    super(
      `${stage}: a backend has been unreachable for ${Math.round(downForMs / 1000)} s: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'BackendDownError';
  }
}

/**
 * Commits offsets a checkpoint already holds. A refusal (the partitions moved to another member,
 * e.g. while a broker restarts) loses nothing: the checkpoint, not the commit, is where the next
 * owner resumes, and any checkpoint is a consistent resume point. So it is logged, not thrown.
 */
export async function commitCheckpointed(
  consumer: LogConsumer | undefined,
  offsets: TopicPartitionOffset[],
  logger: Logger,
): Promise<boolean> {
  if (!consumer || offsets.length === 0) return false;
  try {
    await consumer.commit(offsets);
    return true;
  } catch (error) {
    if (!(error instanceof CommitRefusedError)) throw error;
    logger.warn(
      { err: messageOf(error) },
      'commit refused after a rebalance; the checkpoint holds the position',
    );
    return false;
  }
}

/** Serialises async sections: batches and rebalance callbacks never overlap. */
export class SerialSection {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const next = this.tail.then(section, section);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface StageLoopOptions {
  stage: Stage;
  consumer: LogConsumer;
  section: SerialSection;
  logger: Logger;
  clock: () => number;
  /** A backend failing for longer than this ends the loop with BackendDownError. */
  backendDownDeadlineMs: number;
  maxMessages?: number;
  /** Bytes of message values per poll: internal records hold many mentions each. */
  maxBytes?: number;
  maxWaitMs?: number;
}

/** A poll's default bound on values: about 10,000 mentions, or 5,000 tweets of any size up to 400 bytes. */
export const DEFAULT_POLL_MAX_BYTES = 2 * 1024 * 1024;

/**
 * Runs until `stop()` resolves the stop signal or the deadline is passed. A batch whose sink
 * writes fail is retried whole (the stage's writes are idempotent and it commits only after them),
 * with exponential backoff and one log line per attempt.
 */
export class StageLoop {
  private stopping = false;
  private readonly done: Promise<void>;

  constructor(private readonly o: StageLoopOptions) {
    this.done = this.run();
    // Kept for finished(); a failure is not unhandled while nobody has asked yet.
    this.done.catch(() => undefined);
  }

  finished(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { stage, consumer, section, logger, clock } = this.o;
    let failingSince: number | undefined;
    let attempt = 0;
    while (!this.stopping) {
      let batch: LogMessage[];
      try {
        batch = await consumer.poll({
          maxMessages: this.o.maxMessages ?? 5000,
          maxBytes: this.o.maxBytes ?? DEFAULT_POLL_MAX_BYTES,
          maxWaitMs: this.o.maxWaitMs ?? 100,
        });
      } catch (error) {
        if (error instanceof EventLogClosedError) return;
        if (!isRetryable(error)) throw error;
        failingSince = await this.backOff(error, failingSince, attempt++);
        continue;
      }
      try {
        const before = stage.writes().settled;
        await section.run(async () => {
          if (batch.length > 0) await stage.handle(batch, clock());
          await stage.tick(clock(), false);
        });
        // A batch handed to the write pipeline has not reached its sinks yet: the outage is over
        // only once some writes have succeeded, or none are left in flight (all succeeded).
        const writes = stage.writes();
        if (writes.settled > before || writes.inFlight === 0) {
          failingSince = undefined;
          attempt = 0;
        }
      } catch (error) {
        if (error instanceof CommitRefusedError) {
          // The partitions moved to another member, which resumes from their last checkpoint.
          logger.warn({ stage: stage.name, err: messageOf(error) }, 'commit refused after a rebalance');
          continue;
        }
        if (!isRetryable(error)) throw error;
        // Nothing of the batch was committed: rebuild the partitions from their checkpoints and
        // read it again, as a restart would.
        let rebuilt = false;
        while (!rebuilt && !this.stopping) {
          failingSince = await this.backOff(error, failingSince, attempt++);
          try {
            await section.run(async () => {
              await stage.settle();
              stage.onLost();
              await stage.onAssigned(consumer.assignment());
            });
            rebuilt = true;
          } catch (again) {
            if (!isRetryable(again)) throw again;
          }
        }
      }
    }
    await section.run(() => stage.tick(clock(), true));
  }

  private async backOff(error: unknown, failingSince: number | undefined, attempt: number): Promise<number> {
    const since = failingSince ?? this.o.clock();
    const downFor = this.o.clock() - since;
    if (downFor > this.o.backendDownDeadlineMs) throw new BackendDownError(this.o.stage.name, downFor, error);
    const delay = backoffDelay(attempt, {
      attempts: Number.POSITIVE_INFINITY,
      initialDelayMs: 250,
      maxDelayMs: 5000,
    });
    this.o.logger.warn(
      { stage: this.o.stage.name, attempt: attempt + 1, retryInMs: delay, err: messageOf(error) },
      'backend unavailable; retrying',
    );
    await sleep(delay);
    return since;
  }
}
