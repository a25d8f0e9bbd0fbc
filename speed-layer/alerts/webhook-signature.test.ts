import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe("the README's verification snippet", () => {
  type Verify = (secret: string, headers: Record<string, string>, body: Buffer) => boolean;

  async function readmeSnippet(): Promise<Verify> {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const code = readme.split('### Webhook')[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
    if (!code) throw new Error('README: no js block under "### Webhook"');
    const module = `${code}\nexport { verifyAlertWebhook };`;
    const loaded = await import(`data:text/javascript,${encodeURIComponent(module)}`);
    return loaded.verifyAlertWebhook as Verify;
  }

  it('accepts what the sender signs, and refuses another secret or an old timestamp', async () => {
    const verify = await readmeSnippet();
    const now = Math.floor(Date.now() / 1000);
    const headers = (timestamp: number) => ({
      'x-sentiment-timestamp': String(timestamp),
      'x-sentiment-signature': signWebhookBody(SECRET, timestamp, BODY),
    });
    expect(verify(SECRET, headers(now), Buffer.from(BODY))).toBe(true);
    expect(verify('whsec-b', headers(now), Buffer.from(BODY))).toBe(false);
    expect(verify(SECRET, headers(now - WEBHOOK_TOLERANCE_S - 60), Buffer.from(BODY))).toBe(false);
  });
});
