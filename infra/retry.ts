/**
 * Bounded retries with exponential backoff for reaching a backing server at start-up.
 *
 * Why our own helper: none of the installed clients (platformatic kafka, cassandra-driver, the AWS
 * SDK) can say "server X is unreachable, attempt 3 of 8, next try in 2 s" in one log line, and the
 * product needs exactly that line and a final error naming the server. Each client keeps its own
 * short per-request retries underneath; this helper wraps only the first contact.
 */
import type { Logger } from './logger.js';

export interface RetryOptions {
  /** Attempts in total, including the first (>= 1). */
  attempts: number;
  /** Delay before the second attempt; doubles after each failure up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

// About 48 s in all: enough for a cold single-node Cassandra (10-30 s) started at the same moment.
export const DEFAULT_STARTUP_RETRY: RetryOptions = { attempts: 10, initialDelayMs: 500, maxDelayMs: 8000 };

/** Raised when a server stays unreachable after every attempt; its message names the server. */
export class ServerUnavailableError extends Error {
  constructor(
    readonly server: string,
    readonly endpoint: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super(
      `${server} at ${endpoint} is unavailable after ${attempts} attempt(s): ${messageOf(options.cause)}`,
      options,
    );
    this.name = 'ServerUnavailableError';
  }
}

export function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return `${error.message} (${error.errors.map(messageOf).join('; ')})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The delay before attempt `attempt + 1`, after `attempt` failures (attempt >= 1). */
export function backoffDelay(attempt: number, { initialDelayMs, maxDelayMs }: RetryOptions): number {
  return Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (it never rejects: a stopped wait is not an
 * error for the callers, which check the signal themselves). The one sleep of the code base.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `connect` until it succeeds or the attempts are spent, logging one warning per failed
 * attempt; then throws a ServerUnavailableError naming `server` and `endpoint`.
 */
export async function connectWithRetry<T>(
  server: string,
  endpoint: string,
  connect: () => Promise<T>,
  logger: Pick<Logger, 'warn'>,
  options: RetryOptions = DEFAULT_STARTUP_RETRY,
): Promise<T> {
  const attempts = Math.max(1, Math.floor(options.attempts));
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      return await connect();
    } catch (error) {
      last = error;
      if (attempt === attempts) break;
      const delayMs = backoffDelay(attempt, options);
      logger.warn(
        { server, endpoint, attempt, attempts, retryInMs: delayMs, err: messageOf(error) },
        `${server} at ${endpoint} unreachable (attempt ${attempt}/${attempts}), retrying in ${delayMs} ms`,
      );
      await sleep(delayMs);
    }
  }
  throw new ServerUnavailableError(server, endpoint, attempts, { cause: last });
}

/**
 * A server lost mid-run: the operation did not complete (or its outcome is unknown) and the
 * caller may retry it. Adapters raise this instead of dropping data; writes are idempotent
 * (Kafka's idempotent producer, Cassandra upserts by key, whole-object S3 puts), so a retry after an
 * unknown outcome does not duplicate anything.
 */
export class BackendUnavailableError extends Error {
  readonly retryable = true;
  constructor(
    readonly server: string,
    readonly operation: string,
    options: { cause: unknown },
  ) {
    super(
      `${server}: ${operation} failed, server unavailable (retryable): ${messageOf(options.cause)}`,
      options,
    );
    this.name = 'BackendUnavailableError';
  }
}

export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
