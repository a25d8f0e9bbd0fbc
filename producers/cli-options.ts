/**
 * Parsers for the `sentiment produce` flags. Each throws commander's InvalidArgumentError with the
 * form it expects, which the CLI turns into a usage error (exit 2) naming the flag.
 */
import { InvalidArgumentError } from 'commander';
import { parseDuration, parseEventTime } from '../schemas/time.js';
import { parseSymbolList } from './symbols.js';

const fail = (message: string): never => {
  throw new InvalidArgumentError(message);
};

export function parseCount(raw: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : fail('expected a whole number >= 1');
}

/** Events per second, or `max` (no pacing). */
export function parseRate(raw: string): number {
  if (raw.trim().toLowerCase() === 'max') return Number.POSITIVE_INFINITY;
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) && n > 0 && n <= 10_000_000
    ? n
    : fail('expected events per second (> 0, e.g. 500) or "max"');
}

/** Replay speed: 1 (original pace), N (N times faster) or `max`. */
export function parseSpeed(raw: string): number {
  if (raw.trim().toLowerCase() === 'max') return Number.POSITIVE_INFINITY;
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) && n > 0
    ? n
    : fail('expected 1 (original pace), a factor N > 0, or "max"');
}

export function parsePositiveDuration(raw: string): number {
  const ms = parseDuration(raw);
  return ms !== undefined && ms > 0 ? ms : fail('expected a duration like 30s, 10m, 2h or 500ms');
}

export function parseNonNegativeDuration(raw: string): number {
  const ms = parseDuration(raw);
  return ms !== undefined ? ms : fail('expected a duration like 2s, 500ms or 0s');
}

export function parseRatio(raw: string): number {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1
    ? n
    : fail('expected a share between 0 and 1, e.g. 0.03');
}

export function parseFiniteNumber(raw: string): number {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : fail('expected a number, e.g. 0.01 or -0.005');
}

export function parseNonNegativeNumber(raw: string): number {
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : fail('expected a number >= 0, e.g. 0.01');
}

export function parseSeed(raw: string): string {
  return raw.trim() !== '' ? raw.trim() : fail('expected a non-empty seed, e.g. 7');
}

/** `--start`: ISO-8601, `YYYY-MM-DD HH:mm:ss` (UTC) or `now`. */
export function parseStart(raw: string): number {
  if (raw.trim().toLowerCase() === 'now') return Date.now();
  const ms = parseEventTime(raw.trim());
  return ms !== undefined ? ms : fail('expected an ISO-8601 time, "YYYY-MM-DD HH:mm:ss" (UTC) or "now"');
}

export function parseSymbols(raw: string): string[] {
  try {
    return parseSymbolList(raw);
  } catch (error) {
    return fail((error as Error).message);
  }
}

export function parsePort(raw: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  return n >= 1 && n <= 65535 ? n : fail('expected a port 1..65535');
}
