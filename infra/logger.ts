/**
 * pino JSON logs on stderr: stdout stays free for data (`produce --to stdout`, `score`).
 */
import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

export function createLogger(level: LogLevel, name = 'sentiment'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
