/** The speed layer's Prometheus metrics (one registry per runner, served on METRICS_PORT). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventLog } from '../infra/kafka/event-log.js';

const LAG_INTERVAL_MS = 5000;

export class SpeedMetrics {
  readonly registry = new Registry();
  readonly consumed = new Counter({
    name: 'speed_messages_consumed_total',
    help: 'messages read, per topic',
    labelNames: ['topic'],
    registers: [this.registry],
  });
  readonly mentions = new Counter({
    name: 'speed_mentions_total',
    help: '(tweet, symbol) mentions stage 2 applied (an internal-topic message holds a batch of them)',
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'speed_consumer_lag',
    help: 'messages between the last one processed and the partition end, per topic partition',
    labelNames: ['topic', 'partition'],
    registers: [this.registry],
  });
  readonly watermark = new Gauge({
    name: 'speed_watermark_ms',
    help: 'event-time watermark, epoch ms, per input (tweets partition or symbol task side)',
    labelNames: ['input'],
    registers: [this.registry],
  });
  readonly openWindows = new Gauge({
    name: 'speed_open_windows',
    help: 'minute windows not yet final, per symbol task',
    labelNames: ['task'],
    registers: [this.registry],
  });
  readonly stateSize = new Gauge({
    name: 'speed_state_entries',
    help: 'entries held in operator state (pending mentions, buffered ticks, recent ids), per task',
    labelNames: ['task', 'kind'],
    registers: [this.registry],
  });
  readonly late = new Counter({
    name: 'speed_late_rows_total',
    help: 'rows below the watermark on arrival: kept in bronze and tweets_by_symbol, left out of windows and joins',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'speed_duplicates_dropped_total',
    help: 'tweets dropped from windows as a repeated id within the watermark horizon, or replayed internal records',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'speed_dead_letters_total',
    help: 'messages sent to a dead-letter topic, per source topic and reason class',
    labelNames: ['topic', 'reason'],
    registers: [this.registry],
  });
  readonly alertsOpened = new Counter({
    name: 'alerts_opened_total',
    help: 'alerts opened, per rule (counted once per episode, when its opening is written)',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  readonly alertsClosed = new Counter({
    name: 'alerts_closed_total',
    help: 'alerts closed after their cool-down, per rule',
    labelNames: ['rule'],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'alert_webhook_deliveries_total',
    help: 'alert events the webhook receiver accepted (2xx)',
    registers: [this.registry],
  });
  readonly webhookFailures = new Counter({
    name: 'alert_webhook_failures_total',
    help: 'failed webhook attempts, per reason (status, timeout, network), and events skipped for good (gave_up after the last attempt, rejected by a final status, invalid: not an alert event)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly sinkLatency = new Histogram({
    name: 'speed_sink_write_seconds',
    help: 'time to write one batch to a sink',
    labelNames: ['sink'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly checkpointPhase = new Histogram({
    name: 'speed_checkpoint_seconds',
    help: 'time of each phase of a checkpoint, per stage: capture (the stage stops reading for it), drain (waiting for the sink writes it covers) and write (checkpoint objects, bronze progress, the Kafka commit); drain and write run in the background except at a rebalance or shutdown',
    labelNames: ['stage', 'phase'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly sinkErrors = new Counter({
    name: 'speed_sink_errors_total',
    help: 'failed sink writes (retried), per sink',
    labelNames: ['sink'],
    registers: [this.registry],
  });
  // Errors alone are a rate that only moves while writes are attempted; an operator's "backend down"
  // needs a level that stays down until a write of that sink succeeds again.
  readonly sinkUp = new Gauge({
    name: 'speed_sink_up',
    help: '1 while the last write to a sink succeeded, 0 after it failed, per sink (bronze: object store; dlq, internal: event log; the others: view store)',
    labelNames: ['sink'],
    registers: [this.registry],
  });

  /**
   * Lag per owned partition: the log's end minus the next offset this member will read. One
   * end-offsets request per topic, at most every LAG_INTERVAL_MS; a failed one leaves the gauge.
   */
  async recordLag(
    eventLog: Pick<EventLog, 'endOffsets'>,
    topic: string,
    positions: ReadonlyMap<number, number | undefined>,
    now: number,
  ): Promise<void> {
    if (positions.size === 0 || now - (this.lagAt.get(topic) ?? 0) < LAG_INTERVAL_MS) return;
    this.lagAt.set(topic, now);
    const ends = await eventLog.endOffsets(topic).catch(() => undefined);
    if (!ends) return;
    for (const [partition, position] of positions) {
      const end = ends.get(partition);
      if (end !== undefined && position !== undefined)
        this.lag.set({ topic, partition: String(partition) }, Math.max(0, end - position));
    }
  }

  private readonly lagAt = new Map<string, number>();

  async timed<T>(sink: string, write: () => Promise<T>): Promise<T> {
    const end = this.sinkLatency.startTimer({ sink });
    try {
      const written = await write();
      this.sinkUp.set({ sink }, 1);
      return written;
    } catch (error) {
      this.sinkErrors.inc({ sink });
      this.sinkUp.set({ sink }, 0);
      throw error;
    } finally {
      end();
    }
  }
}
