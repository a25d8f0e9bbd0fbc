/**
 * The publishing edge: takes messages from a source (a synthetic generator or a replay reader),
 * paces them, batches them and hands each batch to a sink. At most one batch is in flight: the
 * next batch is built while the previous one is being acknowledged, but it is not sent before that
 * acknowledgement, and a failed batch is retried with backoff until it goes through. So a broker
 * outage makes the producer wait and resume where it stopped: nothing is skipped or reordered
 * (a batch that failed half-way may be written twice; the consumers are idempotent).
 */
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import type { Logger } from '../infra/logger.js';
import { sleep } from '../infra/retry.js';
import { asFastAsPossible, type Pacer } from './pacing.js';
import { FatalSinkError, type Sink } from './sinks.js';

/** Live counters of one publisher, read by the progress line and the Prometheus exporter. */
export class PublishStats {
  sent = 0;
  /** Failed attempts to write a batch (each is retried). */
  errors = 0;
  /** Rows refused by validation (replay). */
  rejects = 0;
  readonly startedAt = performance.now();
}

export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 15_000 };

export interface PublishOptions {
  source: Iterable<OutgoingMessage> | AsyncIterable<OutgoingMessage>;
  sink: Sink;
  pacer?: Pacer;
  /** Most messages per batch; default 1000. */
  maxBatch?: number;
  /** Longest a started batch waits for more messages while pacing; default 20 ms. */
  lingerMs?: number;
  stats?: PublishStats;
  /** Aborting stops intake; the batch at hand is still sent once. */
  signal?: AbortSignal;
  retry?: RetryPolicy;
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface PublishResult {
  sent: number;
  /** Messages taken from the source but not delivered (stopped during an outage, or output closed). */
  unsent: number;
  errors: number;
  reason: 'end' | 'stopped' | 'output-closed';
}

const LINGERED = Symbol('lingered');

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { sink, signal, logger } = options;
  const pacer = options.pacer ?? asFastAsPossible;
  const maxBatch = options.maxBatch ?? 1000;
  const lingerMs = options.lingerMs ?? 20;
  const retry = options.retry ?? DEFAULT_RETRY;
  const stats = options.stats ?? new PublishStats();
  const startErrors = stats.errors;
  let sent = 0;
  let unsent = 0;
  let fatal: Error | undefined;
  let stopped = false;

  const deliver = async (batch: OutgoingMessage[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.write(batch);
        sent += batch.length;
        stats.sent += batch.length;
        if (attempt > 1) logger?.info({ sink: sink.description, attempts: attempt }, 'publishing resumed');
        return;
      } catch (error) {
        if (error instanceof FatalSinkError) {
          fatal = error;
          unsent += batch.length;
          return;
        }
        stats.errors++;
        if (signal?.aborted) {
          stopped = true;
          unsent += batch.length;
          logger?.warn(
            { sink: sink.description, unsent: batch.length },
            'stopped while the output was failing',
          );
          return;
        }
        const delay = Math.min(retry.maxDelayMs, retry.initialDelayMs * 2 ** Math.min(attempt - 1, 20));
        logger?.warn(
          { sink: sink.description, attempt, retryInMs: delay, batch: batch.length, err: error },
          `publishing failed, retrying the same batch: ${(error as Error).message}`,
        );
        await sleep(delay, signal);
      }
    }
  };

  let inFlight: Promise<void> | undefined;
  let batch: OutgoingMessage[] = [];
  let batchOpenedAt = 0;
  let lastYield = performance.now();
  const flush = async () => {
    if (inFlight) await inFlight;
    // An embedded log acknowledges in a microtask; give signals and timers a turn now and then.
    if (performance.now() - lastYield > 20) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    inFlight = undefined;
    if (batch.length === 0 || fatal || stopped) {
      unsent += fatal || stopped ? batch.length : 0;
      batch = [];
      return;
    }
    const toSend = batch;
    batch = [];
    // deliver never rejects: failures end up in `fatal`/`stopped`, checked at the next flush.
    inFlight = deliver(toSend);
  };

  const take = async (message: OutgoingMessage): Promise<boolean> => {
    let now = performance.now();
    const due = pacer.due(message, now);
    if (due > now) {
      const wait = due - now;
      if (batch.length > 0 && (wait >= lingerMs || now - batchOpenedAt >= lingerMs)) await flush();
      await sleep(wait, signal);
      now = performance.now();
    }
    if (signal?.aborted || fatal || stopped) return false;
    if (batch.length === 0) batchOpenedAt = now;
    batch.push(message);
    if (batch.length >= maxBatch) await flush();
    return !(signal?.aborted || fatal || stopped);
  };

  if (signal?.aborted) return { sent, unsent, errors: 0, reason: 'stopped' };
  if (Symbol.asyncIterator in options.source) {
    const iterator = (options.source as AsyncIterable<OutgoingMessage>)[Symbol.asyncIterator]();
    // A slow source (a live feed: a tick a second) must not hold a started batch until it fills:
    // once the source has had nothing for lingerMs, the batch at hand is sent. One timer per batch.
    let lingerBatch: OutgoingMessage[] | undefined;
    let linger: Promise<typeof LINGERED> | undefined;
    try {
      for (;;) {
        const pending = iterator.next();
        if (batch.length > 0) {
          if (lingerBatch !== batch) {
            lingerBatch = batch;
            linger = sleep(lingerMs, signal).then(() => LINGERED);
          }
          if ((await Promise.race([pending, linger])) === LINGERED) await flush();
        }
        const next = await pending;
        if (next.done || !(await take(next.value))) break;
      }
    } finally {
      await iterator.return?.();
    }
  } else {
    for (const message of options.source as Iterable<OutgoingMessage>) {
      if (!(await take(message))) break;
    }
  }
  await flush();
  if (inFlight) await inFlight;
  return {
    sent,
    unsent,
    errors: stats.errors - startErrors,
    reason: fatal ? 'output-closed' : stopped || signal?.aborted ? 'stopped' : 'end',
  };
}
