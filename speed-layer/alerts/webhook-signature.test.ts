import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature, WEBHOOK_TOLERANCE_S } from './webhook-signature.js';

const SECRET = 'whsec-a';
const BODY = '{"event":"opened","key":"bearish:AAPL:2025-01-06T14:30Z/opened"}';
const NOW = 1_736_173_800;

const signed = (secret: string, timestamp = NOW, body = BODY) => ({
  body,
  timestamp: String(timestamp),
  signature: signWebhookBody(secret, timestamp, body),
});

describe('webhook signature', () => {
  it('is sha256= and the hex HMAC of timestamp "." body', () => {
    // Independently computed: printf '1736173800.{"a":1}' | openssl dgst -sha256 -hmac whsec-a
    expect(signWebhookBody(SECRET, NOW, '{"a":1}')).toBe(
      'sha256=78809c5770e2e2b6dc43fe9f51418d010c5e72eedd168722cf334549bbd975e4',
    );
  });

  it('verifies with the secret it was signed with', () => {
    expect(verifyWebhookSignature(SECRET, signed(SECRET), NOW)).toEqual({ ok: true });
  });

  it('fails with another secret', () => {
    expect(verifyWebhookSignature('whsec-b', signed(SECRET), NOW)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('fails when the body or the timestamp was changed after signing', () => {
    const request = signed(SECRET);
    expect(verifyWebhookSignature(SECRET, { ...request, body: `${BODY} ` }, NOW).ok).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...request, timestamp: String(NOW + 1) }, NOW).ok).toBe(false);
  });

  it('refuses a replay older than the tolerance, and accepts one just inside it', () => {
    const old = signed(SECRET, NOW - WEBHOOK_TOLERANCE_S - 1);
    expect(verifyWebhookSignature(SECRET, old, NOW)).toEqual({ ok: false, reason: 'stale' });
    expect(verifyWebhookSignature(SECRET, signed(SECRET, NOW - WEBHOOK_TOLERANCE_S), NOW)).toEqual({
      ok: true,
    });
  });

  it('refuses missing or malformed headers', () => {
    const request = signed(SECRET);
    expect(verifyWebhookSignature(SECRET, { ...request, signature: undefined }, NOW).ok).toBe(false);
    expect(verifyWebhookSignature(SECRET, { ...request, timestamp: 'yesterday' }, NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyWebhookSignature(SECRET, { ...request, signature: 'md5=00' }, NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});
