/**
 * Why a message or row was refused. `field` is the JSON path of the offending field (`created_at`,
 * `high_price`), or `$` for the message as a whole; `reason` says what was wrong in plain words.
 */
export interface Rejection {
  field: string;
  reason: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export function reject<T>(field: string, reason: string): Validated<T> {
  return { ok: false, rejection: { field, reason } };
}

export function describeRejection(r: Rejection): string {
  return r.field === '$' ? r.reason : `${r.field}: ${r.reason}`;
}
