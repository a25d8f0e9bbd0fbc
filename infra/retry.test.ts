import { describe, expect, it, vi } from 'vitest';
import {
  BackendUnavailableError,
  backoffDelay,
  connectWithRetry,
  isRetryable,
  ServerUnavailableError,
  sleep,
} from './retry.js';

const fast = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

describe('connectWithRetry', () => {
  it('returns the first success and logs one warning per failed attempt', async () => {
    const warn = vi.fn();
    let calls = 0;
    const value = await connectWithRetry(
      'kafka',
      '127.0.0.1:9092',
      async () => {
        calls++;
        if (calls < 3) throw new Error('ECONNREFUSED');
        return 'connected';
      },
      { warn },
      fast,
    );
    expect(value).toBe('connected');
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[0]?.[1]).toMatch(/kafka at 127\.0\.0\.1:9092 unreachable \(attempt 1\/3\)/);
  });

  it('gives up after the attempts with an error naming the server and the last cause', async () => {
    const warn = vi.fn();
    const failing = connectWithRetry(
      'cassandra',
      '127.0.0.1:9042',
      () => Promise.reject(new Error('refused')),
      { warn },
      fast,
    );
    await expect(failing).rejects.toBeInstanceOf(ServerUnavailableError);
    await expect(failing).rejects.toThrow(
      /cassandra at 127\.0\.0\.1:9042 is unavailable after 3 attempt\(s\): refused/,
    );
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the maximum', () => {
    const options = { attempts: 10, initialDelayMs: 500, maxDelayMs: 3000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, options))).toEqual([500, 1000, 2000, 3000, 3000]);
  });
});

describe('BackendUnavailableError', () => {
  it('is marked retryable and names the server and operation', () => {
    const error = new BackendUnavailableError('s3', 'put a/b', { cause: new Error('socket hang up') });
    expect(isRetryable(error)).toBe(true);
    expect(error.message).toMatch(/^s3: put a\/b failed.*socket hang up/);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });
});

describe('sleep', () => {
  it('waits about the time asked', async () => {
    const started = performance.now();
    await sleep(60);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(55);
    expect(waited).toBeLessThan(1000);
  });

  it('ends at once when its signal aborts, and does not wait on an aborted signal', async () => {
    const abort = new AbortController();
    const started = performance.now();
    const waiting = sleep(10_000, abort.signal);
    setTimeout(() => abort.abort(), 20);
    await waiting;
    expect(performance.now() - started).toBeLessThan(1000);
    const again = performance.now();
    await sleep(10_000, abort.signal);
    expect(performance.now() - again).toBeLessThan(50);
  });
});
