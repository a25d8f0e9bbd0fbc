/**
 * The wait before reconnecting: exponential in the number of failed attempts in a row, capped,
 * with "equal jitter" (half fixed, half random), so many clients dropped at once do not come back
 * in step, yet a failing service is never retried faster than half the step. Binance bans an
 * address that opens more than 300 connections in 5 minutes; the 1 s floor keeps us far below.
 */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000 };

/** The delay before reconnecting after `failures` failed attempts in a row (>= 1). */
export function reconnectDelay(
  failures: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30),
  );
  return Math.round(step / 2 + random() * (step / 2));
}
