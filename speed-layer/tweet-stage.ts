/**
 * Stage 1 wired to its sinks: per owned `tweets` partition a TweetIngest, a bronze batcher and the
 * partition's bronze progress. Per batch, in this order: every output written (dead letters,
 * internal records, closed bronze objects), then — at most once per checkpoint interval — the
 * checkpoint, then the Kafka commit. A crash anywhere loses nothing: the
 * partition resumes from its checkpoint and every sink is idempotent (bronze
 * objects named by offsets and skipped below the partition's bronze progress, internal records
 * de-duplicated by source offset in stage 2).
 */

import type { ViewStore } from '../infra/cassandra/view-store.js';
import type {
  EventLog,
  LogConsumer,
  LogMessage,
  OutgoingMessage,
  TopicPartition,
  TopicPartitionOffset,
} from '../infra/kafka/event-log.js';
import { cachedPartitioner } from '../infra/kafka/partitioner.js';
import type { ObjectStore } from '../infra/lake/object-store.js';
import type { Logger } from '../infra/logger.js';
import type { AlertRule } from '../schemas/alerts.js';
import type { TopicNames } from '../schemas/events.js';
import { BRONZE_DATASETS } from '../schemas/lake.js';
import { BronzeTweetRowSchema } from '../schemas/rows.js';
import { InternalRecordEncoder } from '../schemas/speed.js';
import { BronzeProgress, type Checkpoints, encodeJson, timeOrNone } from './checkpoints.js';
import type { CrashPoints } from './crash-points.js';
import type { DeadLetter } from './dead-letters.js';
import type { SpeedMetrics } from './metrics.js';
import type { VaderScorer } from './sentiment/vader.js';
import {
  BackgroundCheckpoints,
  type CapturedCheckpoint,
  type ParquetBronzeBatcher,
  type ParquetBronzeObject,
  parquetBronzeBatcher,
  putBronzeObjects,
  WriteChain,
  WritePipeline,
} from './sink-writes.js';
import { commitCheckpointed, type Stage } from './stage-loop.js';
import { TweetIngest, type TweetResumePoint } from './tweet-ingest.js';

export interface SpeedSettings {
  group: string;
  topics: TopicNames;
  delayMs: number;
  futureSkewMs: number;
  idleTimeoutMs: number;
  bronze: { maxRows: number; maxSpanMs: number; maxAgeMs: number };
  /** How often a task checkpoints and commits (processing time). */
  checkpointIntervalMs: number;
  /** Batches whose sink writes may be in flight at once, per stage (default 4). */
  sinkBatchesInFlight?: number;
  /** Alert rules of stage 2 (none: no alerts). */
  alertRules?: readonly AlertRule[];
}

export const DEFAULT_SINK_BATCHES_IN_FLIGHT = 4;

interface TweetCheckpoint {
  offset: number;
  maxEventTime: number | null;
}

interface TweetTask {
  ingest: TweetIngest;
  batcher: ParquetBronzeBatcher<typeof BronzeTweetRowSchema>;
  progress: BronzeProgress;
  closed: ParquetBronzeObject[];
  bronze: WriteChain;
  lastCheckpointAt: number;
  committed: number | undefined;
}

export interface StageDeps {
  eventLog: EventLog;
  crash: CrashPoints;
  viewStore: ViewStore;
  objectStore: ObjectStore;
  checkpoints: Checkpoints;
  metrics: SpeedMetrics;
  logger: Logger;
  settings: SpeedSettings;
}

export const tweetTaskName = (partition: number) => `tweets-p${partition}`;

export class TweetStage implements Stage {
  readonly name = 'tweets';
  private readonly tasks = new Map<number, TweetTask>();
  private consumer: LogConsumer | undefined;
  private readonly pendingSeeks: TopicPartitionOffset[] = [];
  /** Internal partition per symbol: murmur2 of the key's bytes, once per symbol, not per mention. */
  private readonly partitionOfSymbol: (symbol: string) => number;
  private readonly pipeline: WritePipeline;
  private readonly checkpoints: BackgroundCheckpoints;

  constructor(
    private readonly deps: StageDeps,
    private readonly scorer: VaderScorer,
    private readonly internalTopic: string,
    private readonly internalPartitions: number,
  ) {
    this.pipeline = new WritePipeline(
      deps,
      deps.settings.sinkBatchesInFlight ?? DEFAULT_SINK_BATCHES_IN_FLIGHT,
    );
    this.checkpoints = new BackgroundCheckpoints(this.pipeline, deps.metrics, this.name);
    this.partitionOfSymbol = cachedPartitioner(internalPartitions);
  }

  /**
   * The consumer's first assignment arrives before `consumer()` resolves, so its seeks wait here;
   * until they run, the stage skips messages below each partition's resume offset anyway.
   */
  async attach(consumer: LogConsumer): Promise<void> {
    this.consumer = consumer;
    for (const position of this.pendingSeeks.splice(0)) await consumer.seek(position);
  }

  private async seek(position: TopicPartitionOffset): Promise<void> {
    if (this.consumer) await this.consumer.seek(position);
    else this.pendingSeeks.push(position);
  }

  async onAssigned(partitions: TopicPartition[]): Promise<void> {
    this.deps.crash.reached('in-rebalance');
    const { checkpoints, objectStore, settings, eventLog } = this.deps;
    const now = Date.now();
    const mine = partitions.filter(
      (tp) => tp.topic === settings.topics.tweets && !this.tasks.has(tp.partition),
    );
    if (mine.length === 0) return;
    // Without a checkpoint a task starts at the committed offset (else the log's start): sought
    // explicitly, so that a task rebuilt after a failed write reads that batch again.
    const committed = await eventLog.committedOffsets(settings.group, settings.topics.tweets);
    await Promise.all(
      mine.map(async ({ partition }) => {
        const [checkpoint, progress] = await Promise.all([
          checkpoints.read<TweetCheckpoint>(tweetTaskName(partition)),
          BronzeProgress.open(objectStore, BRONZE_DATASETS.tweets.name, partition),
        ]);
        const resume: TweetResumePoint = checkpoint
          ? { offset: checkpoint.offset, maxEventTime: timeOrNone(checkpoint.maxEventTime) }
          : { offset: committed.get(partition) ?? 0, maxEventTime: Number.NEGATIVE_INFINITY };
        const batcher = parquetBronzeBatcher(BronzeTweetRowSchema, {
          dataset: BRONZE_DATASETS.tweets.name,
          partition,
          ...settings.bronze,
        });
        if (progress.lastOffset() >= 0) batcher.resumeAfter(progress.lastOffset());
        const ingest = new TweetIngest(
          {
            partition,
            delayMs: settings.delayMs,
            futureSkewMs: settings.futureSkewMs,
            idleTimeoutMs: settings.idleTimeoutMs,
            scorer: this.scorer,
          },
          resume,
          now,
        );
        this.tasks.set(partition, {
          ingest,
          batcher,
          progress,
          closed: [],
          bronze: new WriteChain(),
          lastCheckpointAt: now,
          committed: checkpoint ? resume.offset : undefined,
        });
        await this.seek({ topic: settings.topics.tweets, partition, offset: resume.offset });
        this.deps.logger.info(
          {
            partition,
            resumeFrom: resume.offset,
            from: checkpoint ? 'checkpoint' : 'commit',
            bronzeThrough: progress.lastOffset(),
          },
          'tweets partition assigned',
        );
      }),
    );
  }

  async onRevoked(partitions: TopicPartition[]): Promise<void> {
    this.deps.crash.reached('in-rebalance');
    const mine = partitions.filter(
      (tp) => tp.topic === this.deps.settings.topics.tweets && this.tasks.has(tp.partition),
    );
    const now = Date.now();
    for (const { partition } of mine) {
      const task = this.tasks.get(partition) as TweetTask;
      task.closed.push(...task.batcher.flush());
    }
    await this.writeOutputs(now);
    await this.checkpoints.finish();
    await this.pipeline.drain();
    await Promise.all(
      mine.map(({ partition }) => this.capture(partition, this.tasks.get(partition) as TweetTask, now)?.()),
    );
    for (const { partition } of mine) this.tasks.delete(partition);
  }

  async settle(): Promise<void> {
    await Promise.all([this.pipeline.settle(), this.checkpoints.settle()]);
  }

  writes(): { inFlight: number; settled: number } {
    return { inFlight: this.pipeline.size, settled: this.pipeline.settledBatches };
  }

  onLost(): void {
    this.tasks.clear();
  }

  async handle(batch: LogMessage[], now: number): Promise<void> {
    const { metrics } = this.deps;
    for (const m of batch) {
      const task = this.tasks.get(m.partition);
      if (!task || m.topic !== this.deps.settings.topics.tweets) continue;
      // A message below the resume point can come from a fetch made before the seek.
      const position = task.ingest.position();
      if (position !== undefined && m.offset < position) continue;
      const row = task.ingest.process(m, now);
      const closed = row ? task.batcher.add(row, now) : task.batcher.skip(m.offset, now);
      if (closed.length > 0) task.closed.push(...closed);
    }
    metrics.consumed.inc({ topic: this.deps.settings.topics.tweets }, batch.length);
    await this.writeOutputs(now);
  }

  async tick(now: number, force: boolean): Promise<void> {
    const caughtUp = await this.caughtUp(now);
    for (const [partition, task] of this.tasks) {
      task.ingest.flushMarkers(now, caughtUp.has(partition));
      const aged = force ? task.batcher.flush() : task.batcher.tick(now);
      if (aged.length > 0) task.closed.push(...aged);
    }
    await this.writeOutputs(now);
    await this.checkpoints.due(this.tasks, now, force, this.deps.settings.checkpointIntervalMs, (p, task) =>
      this.capture(p, task, now),
    );
    await this.recordLag(now);
  }

  /**
   * The partitions due an idle marker whose reader is at the end of the log. Asked of the log
   * only when some partition is due, so a busy stream costs no extra round trip.
   */
  private async caughtUp(now: number): Promise<Set<number>> {
    const due = [...this.tasks].filter(([, task]) => task.ingest.idleDue(now));
    if (due.length === 0) return new Set();
    const { eventLog, settings } = this.deps;
    try {
      const [ends, committed] = await Promise.all([
        eventLog.endOffsets(settings.topics.tweets),
        eventLog.committedOffsets(settings.group, settings.topics.tweets),
      ]);
      return new Set(
        due
          .filter(([p, task]) => (task.ingest.position() ?? committed.get(p) ?? 0) >= (ends.get(p) ?? 0))
          .map(([p]) => p),
      );
    } catch {
      // Not knowing is not idle: the partition keeps holding the watermark until the log answers.
      return new Set();
    }
  }

  /**
   * Writes every output the tasks hold, as one batch of the write pipeline: resolves once no more
   * than its depth of batches are in flight (all of them are durable after `pipeline.drain()`).
   */
  private async writeOutputs(now: number): Promise<void> {
    const { eventLog, metrics } = this.deps;
    let deadLetters: DeadLetter[] = [];
    const encoder = new InternalRecordEncoder(this.internalPartitions, this.partitionOfSymbol);
    const objects: Promise<void>[] = [];
    for (const task of this.tasks.values()) {
      const out = task.ingest.drain();
      deadLetters = deadLetters.concat(out.deadLetters);
      if (out.duplicates > 0) metrics.duplicates.inc({ kind: 'tweet-id' }, out.duplicates);
      for (const record of out.internal) encoder.add(record);
      if (task.closed.length > 0) {
        const closed = task.closed;
        task.closed = [];
        objects.push(task.bronze.after(() => putBronzeObjects(this.deps, task.progress, closed, now)));
      }
    }
    const writes: Promise<unknown>[] = [...objects];
    if (deadLetters.length > 0) {
      for (const d of deadLetters)
        metrics.deadLetters.inc({ topic: this.deps.settings.topics.tweets, reason: d.reasonClass });
      const dlqTopic = deadLetters[0]?.topic as string;
      writes.push(
        metrics.timed('dlq', () =>
          eventLog.produce(
            dlqTopic,
            deadLetters.map((d) => d.message),
          ),
        ),
      );
    }
    const internal: OutgoingMessage[] = encoder
      .finish()
      .map(({ partition, value }) => ({ key: null, partition, value }));
    if (internal.length > 0)
      writes.push(metrics.timed('internal', () => eventLog.produce(this.internalTopic, internal)));
    await this.pipeline.submit(writes);
  }

  /**
   * The partition's resume point as of now (its offset and max event time), captured, and the
   * writing of it: checkpoint, bronze progress, commit. Nothing when it has not moved.
   */
  private capture(partition: number, task: TweetTask, now: number): CapturedCheckpoint | undefined {
    const position = task.ingest.position();
    if (position === undefined) return undefined;
    const bound = Math.min(
      position,
      task.batcher.lowestOpenOffset() ?? position,
      task.ingest.lowestNeededOffset() ?? position,
    );
    const resume = task.ingest.resumePoint(bound);
    task.lastCheckpointAt = now;
    if (!resume || resume.offset === task.committed) return undefined;
    const { checkpoints, settings, metrics } = this.deps;
    const state = encodeJson({
      offset: resume.offset,
      maxEventTime: resume.maxEventTime,
    } satisfies TweetCheckpoint);
    const watermark = Math.max(0, task.ingest.watermark());
    return async () => {
      await checkpoints.writeEncoded(tweetTaskName(partition), state);
      this.deps.crash.reached('after-checkpoint');
      await task.progress.record(resume.maxEventTime - settings.delayMs, now);
      await commitCheckpointed(
        this.consumer,
        [{ topic: this.deps.settings.topics.tweets, partition, offset: resume.offset }],
        this.deps.logger,
      );
      task.committed = resume.offset;
      metrics.watermark.set({ input: `${this.deps.settings.topics.tweets}/${partition}` }, watermark);
    };
  }

  private recordLag(now: number): Promise<void> {
    const positions = new Map([...this.tasks].map(([p, task]) => [p, task.ingest.position()]));
    return this.deps.metrics.recordLag(this.deps.eventLog, this.deps.settings.topics.tweets, positions, now);
  }

  /** For tests and metrics: owned partitions. */
  owned(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }
}
