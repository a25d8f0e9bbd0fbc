/**
 * Event time. Inside the code a timestamp is epoch milliseconds (UTC); on the wire it is ISO-8601
 * (`2024-05-01T13:45:00Z`, optional fraction, `Z` or `±hh:mm`) or the seed format
 * `YYYY-MM-DD HH:mm:ss`, which like any zone-less form is taken as UTC.
 */

// Compiled once: the parser is on the speed layer's hot path.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

// The fast path's cache: the epoch ms of the last `YYYY-MM-DDTHH:mm` prefix it saw.
let cachedMinutePrefix = '';
let cachedMinuteMs = 0;

const digitAt = (text: string, i: number): number => text.charCodeAt(i) - 48;

/**
 * `YYYY-MM-DDTHH:mm:ss.sssZ`, the form toISOString writes and producers send: the minute prefix
 * is parsed once by the general path and cached (consecutive events share it), the rest read by
 * hand. Undefined when the text is not of that exact form; the general path then decides.
 */
function parseIsoMillisZ(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 || text.charCodeAt(19) !== 46) return undefined;
  if (text.charCodeAt(16) !== 58) return undefined;
  const s1 = digitAt(text, 17);
  const s2 = digitAt(text, 18);
  const f1 = digitAt(text, 20);
  const f2 = digitAt(text, 21);
  const f3 = digitAt(text, 22);
  // (x >>> 0) > 9 is true for anything but a digit, negative differences included.
  if (s1 >>> 0 > 5 || s2 >>> 0 > 9 || f1 >>> 0 > 9 || f2 >>> 0 > 9 || f3 >>> 0 > 9) return undefined;
  if (cachedMinutePrefix.length === 0 || !text.startsWith(cachedMinutePrefix)) {
    const prefix = text.slice(0, 16);
    // The general grammar accepts `YYYY-MM-DDTHH:mm` alone (seconds and zone optional, UTC).
    const minute = parseEventTimeGeneral(prefix);
    if (minute === undefined) return undefined;
    cachedMinutePrefix = prefix;
    cachedMinuteMs = minute;
  }
  return cachedMinuteMs + (s1 * 10 + s2) * 1000 + f1 * 100 + f2 * 10 + f3;
}

/** Parses a wire timestamp to epoch ms, or returns undefined when it is not one we accept. */
export function parseEventTime(text: string): number | undefined {
  return parseIsoMillisZ(text) ?? parseEventTimeGeneral(text);
}

function parseEventTimeGeneral(text: string): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = sign * (oh * 60 + om);
  }
  // Date.UTC reads years 0-99 as 1900-1999; the Gregorian calendar repeats every 400 years
  // (146,097 days), so compute those years 400 later and shift back.
  const cycles = year < 100 ? 1 : 0;
  const utc =
    Date.UTC(year + 400 * cycles, month - 1, day, hour, minute, second, millis) - cycles * GREGORIAN_CYCLE_MS;
  return utc - offsetMinutes * 60_000;
}

// formatEventTime's one-entry cache of the day's `YYYY-MM-DDT`: the API formats every bucket start
// of an answer, mostly of one day, and Date#toISOString was a visible share of its time (6x slower).
let isoDayNumber = Number.NaN;
let isoDayPrefix = '';
/** Year 10000: from there toISOString writes six-digit years. */
const FOUR_DIGIT_YEARS_END_MS = 253_402_300_800_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Epoch ms to the JSON form: ISO-8601 with `Z`, exactly as Date#toISOString writes it. */
export function formatEventTime(epochMs: number): string {
  if (!Number.isInteger(epochMs) || epochMs < 0 || epochMs >= FOUR_DIGIT_YEARS_END_MS)
    return new Date(epochMs).toISOString();
  const dayNumber = Math.floor(epochMs / DAY_MS);
  if (dayNumber !== isoDayNumber) {
    isoDayPrefix = new Date(dayNumber * DAY_MS).toISOString().slice(0, 11);
    isoDayNumber = dayNumber;
  }
  let rest = epochMs - dayNumber * DAY_MS;
  const hours = Math.floor(rest / HOUR_MS);
  rest -= hours * HOUR_MS;
  const minutes = Math.floor(rest / MINUTE_MS);
  rest -= minutes * MINUTE_MS;
  const seconds = Math.floor(rest / 1000);
  return `${isoDayPrefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(rest - seconds * 1000)}Z`;
}

// utcDay's one-entry cache: consecutive events are almost always on the same day, and formatting
// a Date per row was a visible share of the speed layer's time.
let cachedDayNumber = Number.NaN;
let cachedDay = '';

/** The UTC calendar day of an instant, `YYYY-MM-DD`: the partition unit of the views and the lake. */
export function utcDay(epochMs: number): string {
  const dayNumber = Math.floor(epochMs / DAY_MS);
  if (dayNumber !== cachedDayNumber) {
    // Throws (invalid Date) before the cache changes, for NaN or an instant outside Date's range.
    cachedDay = new Date(epochMs).toISOString().slice(0, 10);
    cachedDayNumber = dayNumber;
  }
  return cachedDay;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Start of the window of `sizeMs` that contains `epochMs` (windows are aligned to the epoch). */
export function windowStart(epochMs: number, sizeMs: number): number {
  return epochMs - (((epochMs % sizeMs) + sizeMs) % sizeMs);
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/** Parses `500ms`, `30s`, `2m`, `1.5h`, `7d` to milliseconds; undefined if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] as number));
}
