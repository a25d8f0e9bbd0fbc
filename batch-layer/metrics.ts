/** Prometheus metrics of the batch scheduler: when the last run ended, how long it took, what it wrote. */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RunManifest } from './run-manifest.js';

export class BatchMetrics {
  readonly registry = new Registry();
  private readonly lastRun: Gauge;
  private readonly lastSuccess: Gauge;
  private readonly duration: Gauge;
  private readonly rows: Gauge;
  private readonly coveredUntil: Gauge;
  private readonly runs: Counter;
  private readonly failures: Counter;
  private readonly skippedInputs: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.lastRun = new Gauge({
      name: 'batch_last_run_timestamp_seconds',
      help: 'end of the last run, complete or failed',
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'batch_last_success_timestamp_seconds',
      help: 'end of the last complete run',
      registers,
    });
    this.duration = new Gauge({
      name: 'batch_last_run_duration_seconds',
      help: 'wall time of the last run',
      registers,
    });
    this.rows = new Gauge({
      name: 'batch_last_run_rows',
      help: 'gold rows the last complete run wrote',
      registers,
    });
    this.coveredUntil = new Gauge({
      name: 'batch_covered_until_timestamp_seconds',
      help: 'horizon of the last complete run',
      registers,
    });
    this.runs = new Counter({
      name: 'batch_runs_total',
      help: 'runs, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.failures = new Counter({ name: 'batch_run_failures_total', help: 'runs that failed', registers });
    this.skippedInputs = new Counter({
      name: 'batch_bronze_objects_skipped_total',
      help: 'bronze objects skipped as unreadable or of another schema',
      registers,
    });
  }

  completed(manifest: RunManifest, endedAt: number): void {
    this.runs.inc({ outcome: 'complete' });
    this.lastRun.set(endedAt / 1000);
    this.lastSuccess.set(endedAt / 1000);
    this.duration.set(manifest.seconds);
    this.rows.set(manifest.rows);
    if (manifest.coveredUntil) this.coveredUntil.set(Date.parse(manifest.coveredUntil) / 1000);
    if (manifest.errors.length > 0) this.skippedInputs.inc(manifest.errors.length);
  }

  failed(seconds: number, endedAt: number): void {
    this.runs.inc({ outcome: 'failed' });
    this.failures.inc();
    this.lastRun.set(endedAt / 1000);
    this.duration.set(seconds);
  }

  /** Another run held the lock: not a failure of this one. */
  skipped(): void {
    this.runs.inc({ outcome: 'locked' });
  }
}
