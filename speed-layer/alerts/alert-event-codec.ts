/** Reading a message of the `alerts` topic back into an AlertEvent (schemas/alerts.ts). */
import { Compile } from 'typebox/compile';
import { type AlertEvent, AlertEventSchema } from '../../schemas/alerts.js';

const checkAlertEvent = Compile(AlertEventSchema);
const decoder = new TextDecoder('utf-8', { fatal: true });

export type DecodedAlertEvent = { ok: true; value: AlertEvent } | { ok: false; error: string };

export function decodeAlertEvent(value: Uint8Array): DecodedAlertEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(value));
  } catch (error) {
    return { ok: false, error: `not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!checkAlertEvent.Check(parsed)) {
    const first = [...checkAlertEvent.Errors(parsed)][0];
    return {
      ok: false,
      error: first ? `${first.instancePath || '/'} ${first.message}` : 'not an alert event',
    };
  }
  return { ok: true, value: parsed as AlertEvent };
}
