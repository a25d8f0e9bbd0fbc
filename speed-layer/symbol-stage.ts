/**
 * Stage 2 wired to its sinks: per owned partition N, the SymbolTask fed by partition N of the
 * internal mentions topic and partition N of `stock-prices` (the consumer assigns them together),
 * the bronze batcher of the ticks, and the partition's bronze progress.
 *
 * Checkpoint: the task's snapshot, the next internal offset, and the tick offset to resume
 * from (no later than the first tick not yet in a bronze object). The mentions awaiting their
 * final price (a two-minute horizon of them: hundreds of thousands at 5,000 tweets/s) are not in
 * the snapshot: each checkpoint writes the ones awaited since the one before as a segment beside
 * it, and lists the segments still holding a row above the released threshold, so a checkpoint
 * costs what changed since the last, not the whole horizon. Ticks between that and the
 * task's own position are re-read for bronze only: the task recognises them by offset and passes
 * them to `market_data` alone (an idempotent upsert), so candles never count a tick twice.
 */

import type {
  LogConsumer,
  LogMessage,
  TopicPartition,
  TopicPartitionOffset,
} from '../infra/kafka/event-log.js';
import { type AlertEvent, alertEventKey } from '../schemas/alerts.js';
import { TABLES, type TableSpec } from '../schemas/cassandra.js';
import { decodePriceTick } from '../schemas/events.js';
import { BRONZE_DATASETS } from '../schemas/lake.js';
import {
  BronzeTickRowSchema,
  type SentimentMinuteRow,
  type TickRow,
  type TweetBySymbolRow,
} from '../schemas/rows.js';
import { decodeInternalRecords } from '../schemas/speed.js';
import { utcDay } from '../schemas/time.js';
import type { AlertTransition } from './alerts/alert-evaluator.js';
import { BronzeProgress, encodeJson } from './checkpoints.js';
import { type DeadLetter, deadLetter, futureRejection } from './dead-letters.js';
import type { PricedTweetRow } from './joins.js';
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
import { SymbolTask, type SymbolTaskState } from './symbol-task.js';
import { DEFAULT_SINK_BATCHES_IN_FLIGHT, type StageDeps } from './tweet-stage.js';

interface SymbolCheckpoint {
  task: SymbolTaskState;
  internalOffset: number;
  tickOffset: number;
  /** Counts the checkpoints of the task; names its segments. */
  seq?: number;
  /** The segments of awaited rows the task's pending prices come from, oldest first. */
  pendingSegments?: PendingSegment[];
}

interface PendingSegment {
  /** checkpoint-store name */
  name: string;
  /** the latest created_at in it: once the released threshold passes it, no row of it is pending */
  maxCreatedAt: number;
}

/**
 * Awaited rows, column by column (a mention awaiting its price is never late, and its day is its
 * created_at's): a few bytes a row instead of a JSON object each.
 */
interface PendingSegmentData {
  symbols: string[];
  symbol: number[];
  created_at: number[];
  id: string[];
  price_at_tweet: (number | null)[];
  price_tick_at: (number | null)[];
}

function encodeSegment(rows: readonly PricedTweetRow[]): PendingSegmentData {
  const index = new Map<string, number>();
  const data: PendingSegmentData = {
    symbols: [],
    symbol: [],
    created_at: [],
    id: [],
    price_at_tweet: [],
    price_tick_at: [],
  };
  for (const row of rows) {
    let i = index.get(row.symbol);
    if (i === undefined) {
      i = data.symbols.length;
      index.set(row.symbol, i);
      data.symbols.push(row.symbol);
    }
    data.symbol.push(i);
    data.created_at.push(row.created_at);
    data.id.push(row.id);
    data.price_at_tweet.push(row.price_at_tweet ?? null);
    data.price_tick_at.push(row.price_tick_at ?? null);
  }
  return data;
}

function decodeSegment(data: PendingSegmentData): PricedTweetRow[] {
  return data.id.map((id, i) => {
    const created = data.created_at[i] as number;
    const row: PricedTweetRow = {
      symbol: data.symbols[data.symbol[i] as number] as string,
      day: utcDay(created),
      created_at: created,
      id,
      late: false,
    };
    const price = data.price_at_tweet[i];
    const at = data.price_tick_at[i];
    if (price !== null && price !== undefined) row.price_at_tweet = price;
    if (at !== null && at !== undefined) row.price_tick_at = at;
    return row;
  });
}

export const pendingSegmentName = (partition: number, seq: number) =>
  `${symbolTaskName(partition)}.pending-${seq}`;

interface SymbolTaskEntry {
  task: SymbolTask;
  batcher: ParquetBronzeBatcher<typeof BronzeTickRowSchema>;
  progress: BronzeProgress;
  closed: ParquetBronzeObject[];
  bronze: WriteChain;
  /** Next offsets to read. */
  internalNext: number | undefined;
  tickNext: number | undefined;
  lastCheckpointAt: number;
  deadLetters: DeadLetter[];
  seq: number;
  segments: PendingSegment[];
}

export const symbolTaskName = (partition: number) => `symbols-p${partition}`;
/** Stage 2's consumer group, beside stage 1's `group`. */
export const symbolsGroupId = (group: string) => `${group}.symbols`;

/** Minute-row updates seen by the stage, for a live feed (the API's stream). */
export type MinuteListener = (rows: readonly SentimentMinuteRow[]) => void;

export class SymbolStage implements Stage {
  readonly name = 'symbols';
  private readonly tasks = new Map<number, SymbolTaskEntry>();
  private consumer: LogConsumer | undefined;
  private readonly pendingSeeks: TopicPartitionOffset[] = [];
  private readonly listeners: MinuteListener[] = [];
  private readonly pipeline: WritePipeline;
  private readonly checkpoints: BackgroundCheckpoints;
  private tickEndsCheckedAt = Number.NEGATIVE_INFINITY;
  /**
   * Alert events of successive batches are produced one batch after the other (opened before
   * closed); a new chain after a failure, when the tasks are rebuilt (`onLost`).
   */
  private alertsProduced = new WriteChain();

  constructor(
    private readonly deps: StageDeps,
    private readonly internalTopic: string,
    private readonly tweetSources: number[],
  ) {
    this.pipeline = new WritePipeline(
      deps,
      deps.settings.sinkBatchesInFlight ?? DEFAULT_SINK_BATCHES_IN_FLIGHT,
    );
    this.checkpoints = new BackgroundCheckpoints(this.pipeline, deps.metrics, this.name);
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

  onMinutes(listener: MinuteListener): void {
    this.listeners.push(listener);
  }

  async onAssigned(partitions: TopicPartition[]): Promise<void> {
    this.deps.crash.reached('in-rebalance');
    const { checkpoints, objectStore, settings, logger, eventLog } = this.deps;
    const now = Date.now();
    const numbers = [...new Set(partitions.map((p) => p.partition))].filter((p) => !this.tasks.has(p));
    if (numbers.length === 0) return;
    // The next tick() asks at once whether the new tasks' tick partitions are read to their end.
    this.tickEndsCheckedAt = Number.NEGATIVE_INFINITY;
    // Without a checkpoint a task starts at the committed offsets (else the logs' start): sought
    // explicitly, so that a task rebuilt after a failed write reads that batch again.
    const group = symbolsGroupId(settings.group);
    const [committedInternal, committedTicks] = await Promise.all([
      eventLog.committedOffsets(group, this.internalTopic),
      eventLog.committedOffsets(group, settings.topics.prices),
    ]);
    await Promise.all(
      numbers.map(async (partition) => {
        const [checkpoint, progress] = await Promise.all([
          checkpoints.read<SymbolCheckpoint>(symbolTaskName(partition)),
          BronzeProgress.open(objectStore, BRONZE_DATASETS.stockPrices.name, partition),
        ]);
        const options = {
          delayMs: settings.delayMs,
          idleTimeoutMs: settings.idleTimeoutMs,
          tweetSources: this.tweetSources,
          tickPartition: partition,
          alertRules: settings.alertRules,
        };
        const segments = checkpoint?.pendingSegments ?? [];
        const awaited = await Promise.all(
          segments.map(async ({ name }) => {
            const data = await checkpoints.read<PendingSegmentData>(name);
            if (!data)
              throw new Error(`checkpoint of ${symbolTaskName(partition)}: segment ${name} is missing`);
            return decodeSegment(data);
          }),
        );
        const task = checkpoint
          ? SymbolTask.restore(checkpoint.task, options, awaited.flat())
          : new SymbolTask(options);
        task.takeAwaited();
        // The tick input's idle clock restarts now: the checkpoint's last-seen time is from before
        // the restart, and the gap is no sign of a quiet partition. Left as it was, a restart
        // slower than the idle timeout let the tweets alone move the watermark, and the ticks
        // read next were late for windows closed without them.
        task.onTickInputBehind(now);
        const batcher = parquetBronzeBatcher(BronzeTickRowSchema, {
          dataset: BRONZE_DATASETS.stockPrices.name,
          partition,
          ...settings.bronze,
        });
        if (progress.lastOffset() >= 0) batcher.resumeAfter(progress.lastOffset());
        this.tasks.set(partition, {
          task,
          batcher,
          progress,
          closed: [],
          bronze: new WriteChain(),
          internalNext: checkpoint?.internalOffset ?? committedInternal.get(partition) ?? 0,
          tickNext: checkpoint?.tickOffset ?? committedTicks.get(partition) ?? 0,
          lastCheckpointAt: now,
          deadLetters: [],
          seq: checkpoint?.seq ?? 0,
          segments,
        });
        const entry = this.tasks.get(partition) as SymbolTaskEntry;
        await this.seek({ topic: this.internalTopic, partition, offset: entry.internalNext as number });
        await this.seek({ topic: settings.topics.prices, partition, offset: entry.tickNext as number });
        logger.info({ partition, restored: checkpoint !== undefined }, 'symbol task assigned');
      }),
    );
  }

  async onRevoked(partitions: TopicPartition[]): Promise<void> {
    this.deps.crash.reached('in-rebalance');
    const numbers = [...new Set(partitions.map((p) => p.partition))].filter((p) => this.tasks.has(p));
    const now = Date.now();
    for (const p of numbers) {
      const entry = this.tasks.get(p) as SymbolTaskEntry;
      entry.closed.push(...entry.batcher.flush());
    }
    await this.writeOutputs(now);
    await this.checkpoints.finish();
    await this.pipeline.drain();
    await Promise.all(numbers.map((p) => this.capture(p, this.tasks.get(p) as SymbolTaskEntry, now)?.()));
    for (const p of numbers) this.tasks.delete(p);
  }

  async settle(): Promise<void> {
    await Promise.all([this.pipeline.settle(), this.checkpoints.settle()]);
  }

  writes(): { inFlight: number; settled: number } {
    return { inFlight: this.pipeline.size, settled: this.pipeline.settledBatches };
  }

  onLost(): void {
    this.tasks.clear();
    this.alertsProduced = new WriteChain();
  }

  async handle(batch: LogMessage[], now: number): Promise<void> {
    const { metrics, settings } = this.deps;
    let ticks = 0;
    let internal = 0;
    let mentions = 0;
    for (const m of batch) {
      const entry = this.tasks.get(m.partition);
      if (!entry) continue;
      if (m.topic === this.deps.settings.topics.prices) {
        if (entry.tickNext !== undefined && m.offset < entry.tickNext) continue;
        entry.tickNext = m.offset + 1;
        ticks++;
        this.onTickMessage(entry, m, now, settings.futureSkewMs);
      } else if (m.topic === this.internalTopic) {
        if (entry.internalNext !== undefined && m.offset < entry.internalNext) continue;
        entry.internalNext = m.offset + 1;
        internal++;
        mentions += this.onInternalMessage(entry, m, now);
      }
    }
    metrics.consumed.inc({ topic: this.deps.settings.topics.prices }, ticks);
    metrics.consumed.inc({ topic: this.internalTopic }, internal);
    metrics.mentions.inc(mentions);
    await this.writeOutputs(now);
  }

  private onTickMessage(entry: SymbolTaskEntry, m: LogMessage, now: number, skewMs: number): void {
    const decoded = decodePriceTick(m.value);
    const rejection = decoded.ok
      ? futureRejection('trade_timestamp', decoded.value.trade_timestamp, m.timestamp, skewMs)
      : decoded.rejection;
    if (!decoded.ok || rejection) {
      entry.deadLetters.push(
        deadLetter(m, decoded.ok ? 'future' : 'decode', rejection as NonNullable<typeof rejection>, now),
      );
      entry.closed.push(...entry.batcher.skip(m.offset, now));
      return;
    }
    const t = decoded.value;
    entry.task.onTick(
      {
        symbol: t.symbol,
        tradeTimestamp: t.trade_timestamp,
        open: t.open_price,
        high: t.high_price,
        low: t.low_price,
        close: t.close_price,
        volume: t.volume,
        offset: m.offset,
      },
      now,
    );
    entry.closed.push(
      ...entry.batcher.add(
        { ...t, source_partition: m.partition, source_offset: m.offset, ingested_at: now },
        now,
      ),
    );
  }

  /** Applies an internal record (one, or a batch of mentions); the mentions it held. */
  private onInternalMessage(entry: SymbolTaskEntry, m: LogMessage, now: number): number {
    const records = decodeInternalRecords(m.value);
    if (!records) {
      entry.deadLetters.push(
        deadLetter(m, 'internal', { field: '$', reason: 'not an internal speed-layer record' }, now),
      );
      return 0;
    }
    let mentions = 0;
    for (const record of records) {
      entry.task.onInternalRecord(record, now);
      if (record.kind === 'mention') mentions++;
    }
    return mentions;
  }

  async tick(now: number, force: boolean): Promise<void> {
    for (const entry of this.tasks.values()) {
      const aged = force ? entry.batcher.flush() : entry.batcher.tick(now);
      if (aged.length > 0) entry.closed.push(...aged);
    }
    await this.writeOutputs(now);
    await this.checkpoints.due(this.tasks, now, force, this.deps.settings.checkpointIntervalMs, (p, entry) =>
      this.capture(p, entry, now),
    );
    await this.recordLag(now);
    await this.holdTickInputsReadBehind(now);
  }

  /**
   * A tick partition quiet for the idle timeout stops holding a task's watermark, unless it is
   * only read behind: tasks whose tick position is below the log end are told so (at most once a
   * second; not knowing is no reason to hold).
   */
  private async holdTickInputsReadBehind(now: number): Promise<void> {
    if (now - this.tickEndsCheckedAt < 1000 || this.tasks.size === 0) return;
    this.tickEndsCheckedAt = now;
    let ends: Map<number, number>;
    try {
      ends = await this.deps.eventLog.endOffsets(this.deps.settings.topics.prices);
    } catch {
      return;
    }
    for (const [partition, entry] of this.tasks)
      if ((entry.tickNext ?? 0) < (ends.get(partition) ?? 0)) entry.task.onTickInputBehind(now);
  }

  private async writeOutputs(now: number): Promise<void> {
    const { eventLog, viewStore, metrics } = this.deps;
    // Concatenated, not pushed as spread arguments: a watermark step can release hundreds of
    // thousands of final prices at once, past the engine's limit on a call's arguments.
    let prices: Partial<TweetBySymbolRow>[] = [];
    let ticks: TickRow[] = [];
    let minutes: SentimentMinuteRow[] = [];
    let alerts: AlertTransition[] = [];
    let deadLetters: DeadLetter[] = [];
    const writes: Promise<unknown>[] = [];
    for (const [p, entry] of this.tasks) {
      const out = entry.task.drain(now);
      prices = prices.concat(out.tweets);
      ticks = ticks.concat(out.ticks);
      minutes = minutes.concat(out.minutes);
      alerts = alerts.concat(out.alerts);
      if (out.late > 0) metrics.late.inc({ kind: 'mention' }, out.late);
      if (out.lateTicks > 0) metrics.late.inc({ kind: 'tick' }, out.lateTicks);
      if (out.replayed > 0) metrics.duplicates.inc({ kind: 'replayed' }, out.replayed);
      if (Number.isFinite(out.watermark)) metrics.watermark.set({ input: `symbols/${p}` }, out.watermark);
      deadLetters = deadLetters.concat(entry.deadLetters);
      entry.deadLetters = [];
      if (entry.closed.length > 0) {
        const closed = entry.closed;
        entry.closed = [];
        writes.push(entry.bronze.after(() => putBronzeObjects(this.deps, entry.progress, closed, now)));
      }
    }
    if (deadLetters.length > 0) {
      for (const d of deadLetters)
        metrics.deadLetters.inc({ topic: d.topic.replace(/\.dlq$/, ''), reason: d.reasonClass });
      const byTopic = new Map<string, DeadLetter[]>();
      for (const d of deadLetters) byTopic.set(d.topic, [...(byTopic.get(d.topic) ?? []), d]);
      for (const [topic, letters] of byTopic)
        writes.push(
          metrics.timed('dlq', () =>
            eventLog.produce(
              topic,
              letters.map((d) => d.message),
            ),
          ),
        );
    }
    // A row's versions (a provisional price, then the final one; a minute row, then its update)
    // may be in batches in flight together: the write time orders them, and within one batch
    // only a key's last version is sent (one write time, so Cassandra could not order them).
    const writeTime = this.pipeline.nextWriteTime();
    if (prices.length > 0) {
      const rows = lastVersions(TABLES.tweetsBySymbol, prices);
      writes.push(
        metrics.timed('tweets_by_symbol', () =>
          viewStore.upsert(TABLES.tweetsBySymbol.name, rows, { writeTime }),
        ),
      );
    }
    if (ticks.length > 0)
      writes.push(
        metrics.timed('market_data', () =>
          viewStore.upsert(TABLES.marketData.name, lastVersions(TABLES.marketData, ticks), { writeTime }),
        ),
      );
    if (minutes.length > 0) {
      const rows = lastVersions(TABLES.sentimentByMinute, minutes);
      writes.push(
        metrics.timed('sentiment_by_minute', () =>
          viewStore.upsert(TABLES.sentimentByMinute.name, rows, { writeTime }),
        ),
      );
    }
    if (alerts.length > 0) writes.push(...this.writeAlerts(alerts, writeTime));
    await this.pipeline.submit(
      writes,
      minutes.length > 0 || alerts.length > 0
        ? () => {
            if (minutes.length > 0) for (const listener of this.listeners) listener(minutes);
            for (const a of alerts)
              (a.event === 'opened' ? metrics.alertsOpened : metrics.alertsClosed).inc({ rule: a.row.rule });
            if (alerts.length > 0) this.deps.crash.reached('after-alert-write');
          }
        : undefined,
    );
  }

  /**
   * An alert's row in alerts_by_symbol (no expiry: the batch layer does not recompute alerts) and
   * its event on the alerts topic, keyed by symbol. A replay after a crash derives the same ids
   * from the same final minutes: the row is upserted again unchanged, and the event may be sent
   * again under the same `key` (at least once, like every Kafka output without transactions), which
   * is what a consumer and the webhook's receiver de-duplicate on.
   */
  private writeAlerts(alerts: readonly AlertTransition[], writeTime: number): Promise<unknown>[] {
    const { viewStore, eventLog, metrics, settings } = this.deps;
    const rows = lastVersions(
      TABLES.alertsBySymbol,
      alerts.map((a) => a.row),
    );
    const messages = alerts.map((a) => {
      const event: AlertEvent = { event: a.event, key: alertEventKey(a.row.alert_id, a.event), alert: a.row };
      return {
        key: a.row.symbol,
        value: JSON.stringify(event),
        headers: { 'idempotency-key': event.key },
        timestamp: a.event === 'opened' ? a.row.opened_at : (a.row.closed_at as number),
      };
    });
    return [
      metrics.timed('alerts_by_symbol', () =>
        viewStore.upsert(TABLES.alertsBySymbol.name, rows, { writeTime, ttlSeconds: 0 }),
      ),
      this.alertsProduced.after(() =>
        metrics
          .timed('alerts', () => eventLog.produce(settings.topics.alerts, messages))
          .then(() => undefined),
      ),
    ];
  }

  /**
   * The task's state as of now, captured (the mentions awaited since the last checkpoint as a
   * segment, the task's snapshot, its next offsets), and the writing of it: segment, checkpoint,
   * bronze progress, commit. Only one is in flight at a time, so `seq` and `segments` are the
   * last written checkpoint's when the next one is captured.
   */
  private capture(partition: number, entry: SymbolTaskEntry, now: number): CapturedCheckpoint | undefined {
    entry.lastCheckpointAt = now;
    if (entry.internalNext === undefined && entry.tickNext === undefined) return undefined;
    const internalOffset = entry.internalNext ?? 0;
    const tickPosition = entry.tickNext ?? 0;
    const tickOffset = Math.min(tickPosition, entry.batcher.lowestOpenOffset() ?? tickPosition);
    const { checkpoints, metrics } = this.deps;
    const seq = entry.seq + 1;
    const awaited = entry.task.takeAwaited();
    let segments = entry.segments;
    let segment: { name: string; bytes: Uint8Array } | undefined;
    if (awaited.length > 0) {
      // Named by the checkpoint's number: a crash before the checkpoint below leaves an object no
      // checkpoint lists, which the same number overwrites next time.
      const name = pendingSegmentName(partition, seq);
      segment = { name, bytes: encodeJson(encodeSegment(awaited)) };
      let maxCreatedAt = Number.NEGATIVE_INFINITY;
      for (const row of awaited) if (row.created_at > maxCreatedAt) maxCreatedAt = row.created_at;
      segments = [...segments, { name, maxCreatedAt }];
    }
    const released = entry.task.releasedThreshold();
    const kept = segments.filter((s) => s.maxCreatedAt >= released);
    const dropped = segments.filter((s) => s.maxCreatedAt < released);
    const state = encodeJson({
      task: entry.task.snapshot(false),
      internalOffset,
      tickOffset,
      seq,
      pendingSegments: kept,
    } satisfies SymbolCheckpoint);
    const watermark = entry.task.watermark(now);
    const offsets: TopicPartitionOffset[] = [];
    if (entry.internalNext !== undefined)
      offsets.push({ topic: this.internalTopic, partition, offset: internalOffset });
    if (entry.tickNext !== undefined)
      offsets.push({ topic: this.deps.settings.topics.prices, partition, offset: tickOffset });
    const stats = entry.task.stats();
    const taskName = symbolTaskName(partition);
    return async () => {
      if (segment) await checkpoints.writeEncoded(segment.name, segment.bytes);
      await checkpoints.writeEncoded(taskName, state);
      entry.seq = seq;
      entry.segments = kept;
      this.deps.crash.reached('after-checkpoint');
      // Listed by no checkpoint now; a failed delete only leaves an object nothing reads.
      await Promise.all(dropped.map((s) => checkpoints.delete(s.name).catch(() => undefined)));
      await entry.progress.record(watermark, now);
      await commitCheckpointed(this.consumer, offsets, this.deps.logger);
      metrics.openWindows.set({ task: taskName }, stats.openWindows);
      metrics.stateSize.set({ task: taskName, kind: 'pending-mentions' }, stats.pendingMentions);
      metrics.stateSize.set({ task: taskName, kind: 'buffered-ticks' }, stats.bufferedTicks);
    };
  }

  private async recordLag(now: number): Promise<void> {
    const { metrics, eventLog, settings } = this.deps;
    const entries = [...this.tasks];
    await Promise.all([
      metrics.recordLag(
        eventLog,
        settings.topics.prices,
        new Map(entries.map(([p, e]) => [p, e.tickNext])),
        now,
      ),
      metrics.recordLag(
        eventLog,
        this.internalTopic,
        new Map(entries.map(([p, e]) => [p, e.internalNext])),
        now,
      ),
    ]);
  }

  owned(): number[] {
    return [...this.tasks.keys()].sort((a, b) => a - b);
  }
}

/**
 * Per primary key, the last of `rows` with the columns of the earlier ones it leaves undefined, as
 * consecutive writes would leave the row; in the order keys first appear.
 */
export function lastVersions<R extends object>(spec: TableSpec, rows: readonly R[]): R[] {
  const keyColumns = [...spec.partitionKey, ...spec.clustering.map((c) => c.column)];
  const byKey = new Map<string, R>();
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    let key = '';
    for (const c of keyColumns) key += `${String(record[c])}\u0000`;
    const earlier = byKey.get(key);
    byKey.set(key, earlier ? { ...earlier, ...definedColumns(record) } : row);
  }
  return byKey.size === rows.length ? (rows as R[]) : [...byKey.values()];
}

function definedColumns(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column in row) {
    const value = row[column];
    if (value !== undefined && Object.hasOwn(row, column)) out[column] = value;
  }
  return out;
}
