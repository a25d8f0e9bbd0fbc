/**
 * Dead letters: a message the speed layer cannot use goes to `<topic>.dlq` with its original key,
 * bytes and headers, plus headers that say why and where it came from. The stream never stops
 * for one; each reason class is counted by the runner.
 */

import type { LogMessage, OutgoingMessage } from '../infra/kafka/event-log.js';
import { deadLetterTopic } from '../schemas/events.js';
import type { Rejection } from '../schemas/rejection.js';
import { type DeadLetterClass, DLQ_HEADERS } from '../schemas/speed.js';

export interface DeadLetter {
  topic: string;
  message: OutgoingMessage;
  reasonClass: DeadLetterClass;
}

export function deadLetter(
  source: LogMessage,
  reasonClass: DeadLetterClass,
  rejection: Rejection,
  now: number,
): DeadLetter {
  return {
    topic: deadLetterTopic(source.topic),
    reasonClass,
    message: {
      key: source.key,
      value: source.value,
      headers: {
        ...source.headers,
        [DLQ_HEADERS.reason]:
          reasonClass === 'decode' ? rejection.reason : `${reasonClass}: ${rejection.reason}`,
        [DLQ_HEADERS.field]: rejection.field,
        [DLQ_HEADERS.topic]: source.topic,
        [DLQ_HEADERS.partition]: String(source.partition),
        [DLQ_HEADERS.offset]: String(source.offset),
        [DLQ_HEADERS.time]: new Date(now).toISOString(),
      },
    },
  };
}

/**
 * An event time further ahead of the log's clock than `skewMs` is refused: one producer with a
 * wrong clock must not drag the watermark ahead and make every honest row late. The clock is the
 * message's log-append time, not the reader's, so that a replay decides the same way.
 */
export function futureRejection(field: string, eventTime: number, appendTime: number, skewMs: number) {
  if (eventTime <= appendTime + skewMs) return undefined;
  return {
    field,
    reason: `event time ${new Date(eventTime).toISOString()} is more than ${skewMs} ms ahead of the log time ${new Date(appendTime).toISOString()}`,
  } satisfies Rejection;
}
