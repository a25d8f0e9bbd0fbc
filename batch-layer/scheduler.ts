/**
 * Runs the batch on a cron schedule (BATCH_CRON, croner). A run still going when the next is due
 * makes that one skip (croner's protect); a run that finds the lake lock held by another process
 * is skipped too and counted as such.
 */
import { Cron } from 'croner';
import { type BatchRunOptions, runBatch } from './batch-run.js';
import type { BatchMetrics } from './metrics.js';
import { LockHeldError } from './run-lock.js';

export interface ScheduleOptions {
  cron: string;
  run: () => Omit<BatchRunOptions, 'range'>;
  metrics: BatchMetrics;
  onError: (error: Error) => void;
  onSkip?: (reason: string) => void;
}

export function scheduleBatch(options: ScheduleOptions): { stop(): void; next(): Date | null } {
  const job = new Cron(
    options.cron,
    { protect: () => options.onSkip?.('the previous run is still going') },
    async () => {
      const started = Date.now();
      try {
        const manifest = await runBatch(options.run());
        options.metrics.completed(manifest, Date.now());
      } catch (error) {
        if (error instanceof LockHeldError) {
          options.metrics.skipped();
          options.onSkip?.(error.message);
          return;
        }
        options.metrics.failed((Date.now() - started) / 1000, Date.now());
        options.onError(error as Error);
      }
    },
  );
  return { stop: () => job.stop(), next: () => job.nextRun() };
}
