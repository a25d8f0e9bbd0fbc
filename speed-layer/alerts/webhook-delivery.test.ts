import { afterEach, describe, expect, it } from 'vitest';
import { type Responder, TestWebhookReceiver } from './test-webhook-receiver.js';
import {
  attemptDelivery,
  DEFAULT_WEBHOOK_BACKOFF,
  deliverAlertEvent,
  retryAfterMs,
  retryDelay,
  type WebhookBackoff,
} from './webhook-delivery.js';

const SECRET = 'whsec-delivery';
const EVENT = {
  key: 'r:AAPL:2025-01-06T14:30Z/opened',
  body: new TextEncoder().encode('{"event":"opened"}'),
};
const FAST: WebhookBackoff = { initialDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 1000, random: Math.random };
const open = () => new AbortController().signal;

const receivers: TestWebhookReceiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(respond: Responder): Promise<TestWebhookReceiver> {
  const r = await TestWebhookReceiver.start(SECRET, respond);
  receivers.push(r);
  return r;
}

const target = (url: string, maxAttempts = 3) => ({ url, secret: SECRET, timeoutMs: 2000, maxAttempts });

describe('one webhook attempt', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [400, 'rejected'],
    [404, 'rejected'],
    [410, 'rejected'],
    [301, 'rejected'],
    [408, 'failed'],
    [429, 'failed'],
    [500, 'failed'],
    [503, 'failed'],
  ])('classifies HTTP %i as %s', async (status, kind) => {
    const r = await receiver(() => ({
      status,
      headers: status === 301 ? { Location: '/elsewhere' } : ({} as Record<string, string>),
    }));
    const result = await attemptDelivery(target(r.url), EVENT, open());
    expect(result.kind).toBe(kind);
    expect(r.requests).toHaveLength(1);
  });

  it('is abandoned, not failed, when aborted in flight', async () => {
    const r = await receiver(() => 'hang');
    const abort = new AbortController();
    const pending = attemptDelivery(target(r.url), EVENT, abort.signal);
    await r.until(() => r.requests.length === 1);
    abort.abort();
    expect(await pending).toEqual({ kind: 'abandoned' });
  });
});

describe('retry delays', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(retryAfterMs('7', now)).toBe(7000);
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs(new Date(now - 30_000).toUTCString(), now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });

  it("takes the receiver's Retry-After over the backoff, up to its cap", () => {
    const failure = { kind: 'failed', reason: 'status', status: 429, detail: 'HTTP 429' } as const;
    expect(retryDelay({ ...failure, retryAfterMs: 7000 }, 1, DEFAULT_WEBHOOK_BACKOFF)).toBe(7000);
    expect(retryDelay({ ...failure, retryAfterMs: 3_600_000 }, 1, DEFAULT_WEBHOOK_BACKOFF)).toBe(
      DEFAULT_WEBHOOK_BACKOFF.maxRetryAfterMs,
    );
  });

  it('draws the backoff with full jitter below a ceiling that doubles up to the maximum', () => {
    const failure = { kind: 'failed', reason: 'network', detail: 'ECONNREFUSED' } as const;
    const top = { ...DEFAULT_WEBHOOK_BACKOFF, random: () => 0.999_999 };
    const bottom = { ...DEFAULT_WEBHOOK_BACKOFF, random: () => 0 };
    expect([1, 2, 3].map((attempt) => retryDelay(failure, attempt, top))).toEqual([499, 999, 1999]);
    expect(retryDelay(failure, 20, top)).toBe(29_999);
    expect(retryDelay(failure, 3, bottom)).toBe(0);
  });
});

describe('delivering one event', () => {
  it('stops retrying after maxAttempts and reports gave_up with the last failure', async () => {
    const r = await receiver(() => ({ status: 502 }));
    const failed: number[] = [];
    const outcome = await deliverAlertEvent(
      target(r.url, 4),
      EVENT,
      { stop: open(), abort: open(), onFailedAttempt: (_f, attempt) => failed.push(attempt) },
      FAST,
    );
    expect(outcome).toEqual({ outcome: 'gave_up', attempts: 4, detail: 'HTTP 502' });
    expect(failed).toEqual([1, 2, 3, 4]);
    expect(r.requests).toHaveLength(4);
  });

  it('signs every attempt afresh with the same Idempotency-Key', async () => {
    const r = await receiver((req) => (req.nth < 3 ? { status: 503 } : { status: 200 }));
    const outcome = await deliverAlertEvent(target(r.url), EVENT, { stop: open(), abort: open() }, FAST);
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 3 });
    expect(r.requests.map((req) => [req.key, req.check.ok])).toEqual([
      [EVENT.key, true],
      [EVENT.key, true],
      [EVENT.key, true],
    ]);
  });

  it('ends a backoff wait at once when stopped, leaving the event unsettled', async () => {
    const r = await receiver(() => ({ status: 503 }));
    const stop = new AbortController();
    const hour: WebhookBackoff = {
      ...FAST,
      initialDelayMs: 3_600_000,
      maxDelayMs: 3_600_000,
      random: () => 0.5,
    };
    const pending = deliverAlertEvent(target(r.url), EVENT, { stop: stop.signal, abort: open() }, hour);
    await r.until(() => r.requests.length === 1);
    stop.abort();
    expect(await pending).toEqual({ outcome: 'abandoned', attempts: 1 });
  });
});
