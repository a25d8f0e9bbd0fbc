/**
 * The alert webhook, driven from the durable `alerts` topic: its own consumer group
 * (`<KAFKA_GROUP_ID>.alert-webhook`) and its own loop, so the speed layer never waits for a
 * receiver, and a crash loses nothing (docs/ARCHITECTURE.md, Alert webhook).
 *
 * Per owned partition, a lane delivers its events one after another, in offset order; lanes run
 * side by side, with at most `maxInFlight` requests open at once. A partition's offset is committed
 * only after its events up to it are settled: delivered, refused for good, or given up after
 * ALERT_WEBHOOK_MAX_ATTEMPTS. So delivery is at least once; a receiver de-duplicates on
 * `Idempotency-Key` (the event's key), which a restart or a rebalance may send again.
 *
 * A lane that falls behind (its receiver slow or dead) buffers at most `laneCapacity` events: the
 * rest are dropped from memory and read again from the log once it has caught up. So a receiver
 * that hangs on one event costs bounded memory, delays only the events behind it in its partition,
 * and holds one request slot per open attempt, never longer than ALERT_WEBHOOK_TIMEOUT.
 */
import type { Config } from '../../infra/config.js';
import {
  CommitRefusedError,
  type EventLog,
  EventLogClosedError,
  type LogConsumer,
  type LogMessage,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../../infra/kafka/event-log.js';
import type { Logger } from '../../infra/logger.js';
import { backoffDelay, isRetryable, messageOf, sleep } from '../../infra/retry.js';
import type { SpeedMetrics } from '../metrics.js';
import { SerialSection } from '../stage-loop.js';
import { decodeAlertEvent } from './alert-event-codec.js';
import {
  DEFAULT_WEBHOOK_BACKOFF,
  type DeliveryOutcome,
  deliverAlertEvent,
  type WebhookBackoff,
  type WebhookTarget,
} from './webhook-delivery.js';

export const webhookGroupId = (group: string): string => `${group}.alert-webhook`;

export interface AlertWebhookDispatcherOptions {
  eventLog: EventLog;
  config: Pick<Config, 'consumerGroup' | 'topics' | 'alerts'>;
  logger: Logger;
  metrics: Pick<SpeedMetrics, 'webhookDeliveries' | 'webhookFailures' | 'recordLag'>;
  /** Where the group starts without a commit (default: the topic's earliest event). */
  fromBeginning?: boolean;
  /** Requests open at once, over all partitions (default 4). */
  maxInFlight?: number;
  /** Events buffered per partition (default 256). */
  laneCapacity?: number;
  backoff?: WebhookBackoff;
  /** How long a poll waits for events; also the commit cadence (default 200 ms). */
  pollWaitMs?: number;
}

interface Lane {
  tp: TopicPartition;
  queue: LogMessage[];
  /** The next offset the lane takes; undefined until its first event. */
  expected: number | undefined;
  /** Set while the lane is full: the first offset dropped, to be read again. */
  resumeAt: number | undefined;
  /** One past the last settled event: what may be committed. */
  settled: number | undefined;
  committed: number | undefined;
  abort: AbortController;
  worker: Promise<void> | undefined;
}

/** A bound on requests in flight, shared by the lanes. */
class AttemptSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async run<T>(attempt: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await attempt();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

export class AlertWebhookDispatcher {
  private readonly lanes = new Map<number, Lane>();
  private readonly section = new SerialSection();
  private readonly stopping = new AbortController();
  private readonly slots: AttemptSlots;
  private readonly target: WebhookTarget;
  private readonly topic: string;
  private consumer: LogConsumer | undefined;
  private loop: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** Bumped by every revocation and assignment: tells a batch polled before one from a current one. */
  private generation = 0;

  private constructor(private readonly o: AlertWebhookDispatcherOptions) {
    const webhook = o.config.alerts.webhook;
    if (!webhook) throw new Error('alert webhook: ALERT_WEBHOOK_URL is not set');
    this.target = webhook;
    this.topic = o.config.topics.names.alerts;
    this.slots = new AttemptSlots(o.maxInFlight ?? 4);
  }

  /** Joins the group and starts delivering; the alerts topic must exist. */
  static async start(options: AlertWebhookDispatcherOptions): Promise<AlertWebhookDispatcher> {
    const dispatcher = new AlertWebhookDispatcher(options);
    await dispatcher.open();
    return dispatcher;
  }

  private async open(): Promise<void> {
    const { eventLog, config, logger } = this.o;
    const ends = await eventLog.endOffsets(this.topic);
    if (ends.size === 0) throw new Error(`alert webhook: topic ${this.topic} must exist`);
    const groupId = webhookGroupId(config.consumerGroup);
    this.consumer = await eventLog.consumer({
      groupId,
      topics: [this.topic],
      fromBeginning: this.o.fromBeginning ?? true,
      rebalance: {
        onAssigned: (tps) => this.section.run(async () => this.assign(tps)),
        onRevoked: (tps) => this.section.run(() => this.revoke(tps)),
      },
    });
    this.loop = this.run(this.consumer);
    // Kept for finished(); a failure is not unhandled while nobody has asked yet.
    this.loop.catch(() => undefined);
    // The origin only: a webhook URL's path or query often carries a token of its own.
    logger.info(
      { group: groupId, topic: this.topic, receiver: new URL(this.target.url).origin },
      'alert webhook started',
    );
  }

  /** Resolves when the loop ends (stopped, or the consumer closed); rejects with the reason it failed. */
  finished(): Promise<void> {
    return this.loop;
  }

  /** Partitions owned now (for tests and status). */
  owned(): number[] {
    return [...this.lanes.keys()].sort((a, b) => a - b);
  }

  /**
   * Starts no further attempt; the attempts in hand finish or time out (ALERT_WEBHOOK_TIMEOUT),
   * what is settled is committed, and the member leaves the group.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop.catch(() => undefined);
    await Promise.all([...this.lanes.values()].map((lane) => lane.worker));
    await this.section.run(() => this.commitSettled());
    await this.consumer?.close().catch(() => undefined);
    this.o.logger.info('alert webhook stopped');
  }

  private async run(consumer: LogConsumer): Promise<void> {
    const { logger, eventLog, metrics } = this.o;
    const wait = this.o.pollWaitMs ?? 200;
    let failures = 0;
    let polledIn = this.generation;
    while (!this.stopping.signal.aborted) {
      if (this.failure !== undefined) throw this.failure;
      let batch: LogMessage[];
      try {
        batch = await consumer.poll({ maxMessages: 500, maxWaitMs: wait });
        polledIn = this.generation;
      } catch (error) {
        if (error instanceof EventLogClosedError) return;
        if (!isRetryable(error)) throw error;
        const retryInMs = backoffDelay(++failures, {
          attempts: Number.POSITIVE_INFINITY,
          initialDelayMs: 250,
          maxDelayMs: 5000,
        });
        logger.warn({ err: messageOf(error), retryInMs }, 'alert webhook: reading the alerts topic failed');
        await sleep(retryInMs, this.stopping.signal);
        continue;
      }
      failures = 0;
      await this.section.run(async () => {
        // Polled before a rebalance this batch waited for: its partitions' new lanes read from the
        // committed offsets, which may be below it, so it is dropped (nothing polled after a
        // revocation belongs to the old assignment: both logs hand out nothing while it runs).
        if (polledIn === this.generation) for (const message of batch) this.accept(message);
        await this.resumeCaughtUp(consumer);
        await this.commitSettled();
      });
      const positions = new Map([...this.lanes].map(([p, lane]) => [p, lane.settled]));
      await metrics.recordLag(eventLog, this.topic, positions, Date.now());
    }
  }

  private assign(partitions: TopicPartition[]): void {
    this.generation++;
    for (const tp of partitions) {
      if (tp.topic !== this.topic || this.lanes.has(tp.partition)) continue;
      this.lanes.set(tp.partition, {
        tp: { topic: tp.topic, partition: tp.partition },
        queue: [],
        expected: undefined,
        resumeAt: undefined,
        settled: undefined,
        committed: undefined,
        abort: new AbortController(),
        worker: undefined,
      });
    }
  }

  /** Abandons the attempts in hand (the next owner sends those events again) and commits what is settled. */
  private async revoke(partitions: TopicPartition[]): Promise<void> {
    this.generation++;
    const lanes = partitions.flatMap((tp) => {
      const lane = tp.topic === this.topic ? this.lanes.get(tp.partition) : undefined;
      return lane ? [lane] : [];
    });
    for (const lane of lanes) lane.abort.abort();
    await Promise.all(lanes.map((lane) => lane.worker));
    await this.commit(lanes);
    for (const lane of lanes) this.lanes.delete(lane.tp.partition);
  }

  private accept(message: LogMessage): void {
    const lane = this.lanes.get(message.partition);
    if (!lane || message.topic !== this.topic) return;
    // Below `expected`: already taken (a fetch from before a seek). At or past `resumeAt`: dropped
    // while full, read again after the seek.
    if (lane.expected !== undefined && message.offset < lane.expected) return;
    if (lane.resumeAt !== undefined) return;
    if (lane.queue.length >= (this.o.laneCapacity ?? 256)) {
      lane.resumeAt = message.offset;
      return;
    }
    lane.queue.push(message);
    lane.expected = message.offset + 1;
    lane.worker ??= this.drain(lane);
  }

  /** A full lane reads on from where it dropped events once half its buffer is free. */
  private async resumeCaughtUp(consumer: LogConsumer): Promise<void> {
    const capacity = this.o.laneCapacity ?? 256;
    for (const lane of this.lanes.values()) {
      if (lane.resumeAt === undefined || lane.queue.length > capacity / 2) continue;
      await consumer.seek({ ...lane.tp, offset: lane.resumeAt });
      lane.expected = lane.resumeAt;
      lane.resumeAt = undefined;
    }
  }

  private drain(lane: Lane): Promise<void> {
    const work = (async () => {
      while (lane.queue.length > 0 && !lane.abort.signal.aborted && !this.stopping.signal.aborted) {
        const message = lane.queue[0] as LogMessage;
        if (!(await this.settle(message, lane))) break;
        lane.queue.shift();
        lane.settled = message.offset + 1;
      }
    })()
      .catch((error: unknown) => {
        // Not a receiver's failure (those are outcomes): a bug. Stop rather than skip events.
        this.failure ??= error;
        this.o.logger.error(
          { err: messageOf(error), partition: lane.tp.partition },
          'alert webhook lane failed',
        );
      })
      .finally(() => {
        lane.worker = undefined;
        if (lane.queue.length > 0 && !lane.abort.signal.aborted && !this.stopping.signal.aborted)
          lane.worker = this.drain(lane);
      });
    return work;
  }

  /** Delivers one event; false when it was abandoned and must stay uncommitted. */
  private async settle(message: LogMessage, lane: Lane): Promise<boolean> {
    const { logger, metrics } = this.o;
    const at = { partition: message.partition, offset: message.offset };
    const event = decodeAlertEvent(message.value);
    if (!event.ok) {
      metrics.webhookFailures.inc({ reason: 'invalid' });
      logger.error({ ...at, err: event.error }, 'alert webhook: not an alert event; skipped');
      return true;
    }
    const key = event.value.key;
    const outcome: DeliveryOutcome = await deliverAlertEvent(
      this.target,
      { key, body: message.value },
      {
        stop: this.stopping.signal,
        abort: lane.abort.signal,
        runAttempt: (attempt) => this.slots.run(attempt),
        onFailedAttempt: (failure, attempt, retryInMs) => {
          metrics.webhookFailures.inc({ reason: failure.reason });
          logger.warn(
            {
              ...at,
              key,
              attempt,
              maxAttempts: this.target.maxAttempts,
              reason: failure.reason,
              status: failure.status,
              err: failure.detail,
              retryInMs,
            },
            'alert webhook attempt failed',
          );
        },
      },
      this.o.backoff ?? DEFAULT_WEBHOOK_BACKOFF,
    );
    switch (outcome.outcome) {
      case 'delivered':
        metrics.webhookDeliveries.inc();
        logger.info(
          { ...at, key, attempts: outcome.attempts, status: outcome.status },
          'alert webhook delivered',
        );
        return true;
      case 'rejected':
        metrics.webhookFailures.inc({ reason: 'rejected' });
        logger.warn(
          { ...at, key, attempts: outcome.attempts, status: outcome.status },
          'alert webhook: the receiver refused the event for good; skipped',
        );
        return true;
      case 'gave_up':
        metrics.webhookFailures.inc({ reason: 'gave_up' });
        logger.error(
          { ...at, key, attempts: outcome.attempts, err: outcome.detail },
          'alert webhook: gave up on the event after its last attempt; skipped',
        );
        return true;
      case 'abandoned':
        return false;
    }
  }

  private commitSettled(): Promise<void> {
    return this.commit([...this.lanes.values()]);
  }

  /** A refused commit (the partition moved) or a failed one loses nothing: the event is sent again. */
  private async commit(lanes: Lane[]): Promise<void> {
    const due = lanes.filter((lane) => lane.settled !== undefined && lane.settled !== lane.committed);
    if (due.length === 0 || !this.consumer) return;
    const offsets: TopicPartitionOffset[] = due.map((lane) => ({
      ...lane.tp,
      offset: lane.settled as number,
    }));
    try {
      await this.consumer.commit(offsets);
      // What was sent, not `settled` now: a lane may have settled more while the commit was out.
      due.forEach((lane, i) => {
        lane.committed = offsets[i]?.offset;
      });
    } catch (error) {
      if (
        !(error instanceof CommitRefusedError) &&
        !isRetryable(error) &&
        !(error instanceof EventLogClosedError)
      )
        throw error;
      this.o.logger.warn(
        { err: messageOf(error) },
        'alert webhook: commit failed; those events will be sent again',
      );
    }
  }
}
