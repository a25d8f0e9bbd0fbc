/**
 * pino JSON logs on stderr: stdout stays free for data (`produce --to stdout`, `score`).
 *
 * Synchronous writes: we log events, not messages, so the cost is nil, and an asynchronous
 * destination's exit-time flush blocks forever when the reader of stderr has gone away
 * (`sentiment serve 2>&1 | head`), which kept the process alive after SIGTERM.
 */
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel, name = 'sentiment'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}
