/**
 * ISO-8601 formatting for the hot path. `new Date(ms).toISOString()` costs more than generating
 * a whole tweet, and consecutive events fall in the same few seconds, so the `YYYY-MM-DDTHH:mm:ss.`
 * prefix is cached per second in a small direct-mapped table (jitter spreads events over a few
 * seconds) and only the milliseconds are appended. Same output as toISOString.
 */
const SLOTS = 16;
const seconds = new Float64Array(SLOTS).fill(Number.NaN);
const prefixes: string[] = new Array<string>(SLOTS).fill('');
/** toISOString switches to a six-digit year outside 0000..9999; leave those to it. */
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000;

export function formatIso(epochMs: number): string {
  if (!(epochMs >= 0 && epochMs < MAX_FOUR_DIGIT_YEAR_MS) || !Number.isInteger(epochMs)) {
    return new Date(epochMs).toISOString();
  }
  const second = Math.floor(epochMs / 1000);
  const slot = second % SLOTS;
  if (seconds[slot] !== second) {
    seconds[slot] = second;
    prefixes[slot] = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const milli = epochMs - second * 1000;
  return `${prefixes[slot]}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
