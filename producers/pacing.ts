/**
 * When each message is due on the wall clock. A rate pacer spaces messages 1/rate apart; a replay
 * pacer keeps the file's own spacing (divided by the speed); `asFastAsPossible` never waits. When
 * publishing falls far behind (a broker outage), the pacer re-bases instead of bursting the whole
 * backlog at once: after an outage the stream resumes at its pace.
 */
import type { OutgoingMessage } from '../infra/kafka/event-log.js';

export interface Pacer {
  /** performance.now() time at which `message` is due; <= now means send now. */
  due(message: OutgoingMessage, now: number): number;
}

/** How far behind a pacer may fall before it re-bases on the present. */
export const MAX_LAG_MS = 1000;

export const asFastAsPossible: Pacer = { due: () => Number.NEGATIVE_INFINITY };

export function ratePacer(ratePerSecond: number): Pacer {
  if (!Number.isFinite(ratePerSecond)) return asFastAsPossible;
  const stepMs = 1000 / ratePerSecond;
  let start: number | undefined;
  let index = 0;
  return {
    due(_message, now) {
      start ??= now;
      let due = start + index * stepMs;
      if (now - due > MAX_LAG_MS) {
        start = now - index * stepMs;
        due = now;
      }
      index++;
      return due;
    },
  };
}

/**
 * Each message when the wall clock reaches its event time (`timestamp`): one from the past at
 * once, one from the future when its time comes. For feeds whose event times start in the past
 * (the demo's history) and then go on in real time.
 */
export function eventTimePacer(): Pacer {
  return {
    due: (message, now) => (message.timestamp === undefined ? now : now + (message.timestamp - Date.now())),
  };
}

/** Original pace (speed 1) or N times faster, from each message's `timestamp` (its event time). */
export function replayPacer(speed: number): Pacer {
  if (!Number.isFinite(speed)) return asFastAsPossible;
  let origin: { real: number; event: number } | undefined;
  let latestEvent = Number.NEGATIVE_INFINITY;
  return {
    due(message, now) {
      const event = message.timestamp ?? latestEvent;
      // Out-of-order rows do not wait for a past that has gone: pace on the latest time seen.
      if (event > latestEvent) latestEvent = event;
      origin ??= { real: now, event: latestEvent };
      let due = origin.real + (latestEvent - origin.event) / speed;
      if (now - due > MAX_LAG_MS) {
        origin = { real: now, event: latestEvent };
        due = now;
      }
      return due;
    },
  };
}
