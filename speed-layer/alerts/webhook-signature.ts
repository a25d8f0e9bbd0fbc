/**
 * The webhook's signature scheme, for the sender and for any receiver that wants to check it.
 *
 *   X-Sentiment-Timestamp: <unix seconds when the attempt was signed>
 *   X-Sentiment-Signature: sha256=<hex HMAC-SHA256(ALERT_WEBHOOK_SECRET, timestamp + "." + body)>
 *
 * The timestamp is inside the MAC, so a receiver that refuses timestamps far from its clock
 * (WEBHOOK_TOLERANCE_S) refuses a captured request replayed later; within the tolerance, the
 * Idempotency-Key de-duplicates. Each attempt is signed afresh, so a retry hours later still passes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const WEBHOOK_HEADERS = {
  idempotencyKey: 'Idempotency-Key',
  signature: 'X-Sentiment-Signature',
  timestamp: 'X-Sentiment-Timestamp',
} as const;

const SCHEME = 'sha256=';

/** How far a signed timestamp may be from the receiver's clock (the README's snippet uses it too). */
export const WEBHOOK_TOLERANCE_S = 300;

/** The `X-Sentiment-Signature` value of `body` signed at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, body: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `${SCHEME}${mac.digest('hex')}`;
}

export interface SignedRequest {
  body: string | Uint8Array;
  /** Header values as received (undefined when absent). */
  timestamp: string | undefined;
  signature: string | undefined;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'mismatch' | 'stale' };

/** Checks a request as a receiver would: the MAC in constant time, then the timestamp's age. */
export function verifyWebhookSignature(
  secret: string,
  request: SignedRequest,
  nowS = Math.floor(Date.now() / 1000),
  toleranceS = WEBHOOK_TOLERANCE_S,
): SignatureCheck {
  const { timestamp, signature } = request;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp) || !signature.startsWith(SCHEME))
    return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(signWebhookBody(secret, Number(timestamp), request.body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'mismatch' };
  if (Math.abs(nowS - Number(timestamp)) > toleranceS) return { ok: false, reason: 'stale' };
  return { ok: true };
}
