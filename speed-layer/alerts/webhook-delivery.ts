/**
 * Delivering one alert event to the webhook: signed POSTs, retried with exponential backoff and
 * full jitter (or the receiver's Retry-After) until a 2xx, a permanent refusal, or the last attempt.
 *
 *   2xx                               delivered
 *   408, 429, 5xx, timeout, network   retried; after `maxAttempts` attempts: gave_up
 *   any other status (4xx, 3xx)       rejected at once: the receiver will never take this body
 *
 * Redirects are not followed: the signed body would go to a host the operator did not name.
 */
import { backoffDelay, messageOf, sleep } from '../../infra/retry.js';
import { signWebhookBody, WEBHOOK_HEADERS } from './webhook-signature.js';

export interface WebhookTarget {
  url: string;
  secret: string;
  /** One attempt, response headers included. */
  timeoutMs: number;
  maxAttempts: number;
}

export interface WebhookBackoff {
  /** Upper bound of the first retry's delay; doubles per failure up to `maxDelayMs` (full jitter below it). */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is cut to it: a receiver cannot park a partition for hours. */
  maxRetryAfterMs: number;
  /** In [0, 1): the jitter's source. */
  random: () => number;
}

export const DEFAULT_WEBHOOK_BACKOFF: WebhookBackoff = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  random: Math.random,
};

export type FailureReason = 'status' | 'timeout' | 'network';

export type AttemptResult =
  | { kind: 'delivered'; status: number }
  | { kind: 'rejected'; status: number }
  | { kind: 'failed'; reason: FailureReason; status?: number; retryAfterMs?: number; detail: string }
  | { kind: 'abandoned' };

export interface WebhookEvent {
  /** The Idempotency-Key: the event's `key`. */
  key: string;
  /** The exact JSON bytes that are signed and sent. */
  body: Uint8Array;
}

const RETRYABLE_STATUSES = new Set([408, 429]);

/** Milliseconds a Retry-After header asks for (delta-seconds or an HTTP date); undefined if absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * One signed POST. `abort` abandons it (the dispatcher lost the partition): its outcome is then
 * unknown, and the partition's next owner sends the event again.
 */
export async function attemptDelivery(
  target: WebhookTarget,
  event: WebhookEvent,
  abort: AbortSignal,
  now = Date.now(),
): Promise<AttemptResult> {
  const timestamp = Math.floor(now / 1000);
  const timeout = AbortSignal.timeout(target.timeoutMs);
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      body: event.body,
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/json',
        [WEBHOOK_HEADERS.idempotencyKey]: event.key,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: signWebhookBody(target.secret, timestamp, event.body),
      },
      signal: AbortSignal.any([timeout, abort]),
    });
  } catch (error) {
    if (abort.aborted) return { kind: 'abandoned' };
    if (timeout.aborted)
      return { kind: 'failed', reason: 'timeout', detail: `no answer in ${target.timeoutMs} ms` };
    const cause = (error as { cause?: unknown }).cause;
    return { kind: 'failed', reason: 'network', detail: messageOf(cause ?? error) };
  }
  // The answer's body is not read: nothing in it changes the outcome, and a slow one must not hold us.
  await response.body?.cancel().catch(() => undefined);
  const { status } = response;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) {
    const after = retryAfterMs(response.headers.get('retry-after'));
    return {
      kind: 'failed',
      reason: 'status',
      status,
      ...(after === undefined ? {} : { retryAfterMs: after }),
      detail: `HTTP ${status}`,
    };
  }
  return { kind: 'rejected', status };
}

export type DeliveryOutcome =
  | { outcome: 'delivered'; attempts: number; status: number }
  | { outcome: 'rejected'; attempts: number; status: number }
  | { outcome: 'gave_up'; attempts: number; detail: string }
  /** Stopped before an answer that settles the event: it stays uncommitted and is sent again. */
  | { outcome: 'abandoned'; attempts: number };

export interface DeliveryControl {
  /** No further attempt starts, and a backoff wait ends; the attempt in hand may still finish. */
  stop: AbortSignal;
  /** The attempt in hand is abandoned too. */
  abort: AbortSignal;
  /** Wraps each attempt (the dispatcher's bound on requests in flight). */
  runAttempt?: <T>(attempt: () => Promise<T>) => Promise<T>;
  /** Told of every failed attempt, with the delay before the next one (undefined: it was the last). */
  onFailedAttempt?: (
    failure: Extract<AttemptResult, { kind: 'failed' }>,
    attempt: number,
    retryInMs: number | undefined,
  ) => void;
}

/** The delay before attempt `attempt + 1`: the receiver's Retry-After if it gave one, else full jitter. */
export function retryDelay(
  failure: Extract<AttemptResult, { kind: 'failed' }>,
  attempt: number,
  backoff: WebhookBackoff,
): number {
  if (failure.retryAfterMs !== undefined) return Math.min(failure.retryAfterMs, backoff.maxRetryAfterMs);
  const ceiling = backoffDelay(attempt, { attempts: Number.POSITIVE_INFINITY, ...backoff });
  return Math.floor(backoff.random() * ceiling);
}

/** Attempts until the event is settled (delivered, rejected, given up) or the control stops it. */
export async function deliverAlertEvent(
  target: WebhookTarget,
  event: WebhookEvent,
  control: DeliveryControl,
  backoff: WebhookBackoff = DEFAULT_WEBHOOK_BACKOFF,
): Promise<DeliveryOutcome> {
  const run = control.runAttempt ?? ((attempt) => attempt());
  const maxAttempts = Math.max(1, target.maxAttempts);
  for (let attempt = 1; ; attempt++) {
    if (control.stop.aborted || control.abort.aborted) return { outcome: 'abandoned', attempts: attempt - 1 };
    const result = await run(() => attemptDelivery(target, event, control.abort));
    switch (result.kind) {
      case 'delivered':
        return { outcome: 'delivered', attempts: attempt, status: result.status };
      case 'rejected':
        return { outcome: 'rejected', attempts: attempt, status: result.status };
      case 'abandoned':
        return { outcome: 'abandoned', attempts: attempt };
    }
    const last = attempt >= maxAttempts;
    const delay = last ? undefined : retryDelay(result, attempt, backoff);
    control.onFailedAttempt?.(result, attempt, delay);
    if (delay === undefined) return { outcome: 'gave_up', attempts: attempt, detail: result.detail };
    await sleep(delay, AbortSignal.any([control.stop, control.abort]));
  }
}
