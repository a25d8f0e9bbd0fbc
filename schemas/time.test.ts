import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatEventTime, parseDuration, parseEventTime, utcDay, windowStart } from './time.js';

describe('event time parsing', () => {
  it.each([
    ['2024-05-01T13:45:00Z', Date.UTC(2024, 4, 1, 13, 45)],
    ['2024-05-01T13:45:00.123Z', Date.UTC(2024, 4, 1, 13, 45, 0, 123)],
    ['2024-05-01T13:45:00.123456Z', Date.UTC(2024, 4, 1, 13, 45, 0, 123)],
    ['2024-05-01T15:45:00+02:00', Date.UTC(2024, 4, 1, 13, 45)],
    ['2024-05-01T08:45:00-0500', Date.UTC(2024, 4, 1, 13, 45)],
    ['2024-05-01 13:45:00', Date.UTC(2024, 4, 1, 13, 45)],
    ['2024-05-01T13:45', Date.UTC(2024, 4, 1, 13, 45)],
    ['2024-02-29 00:00:00', Date.UTC(2024, 1, 29)],
  ])('reads %s', (text, expected) => {
    expect(parseEventTime(text)).toBe(expected);
  });

  // Date.UTC maps years 0-99 to 1900-1999; these instants are from Date.parse of the ISO form.
  it.each([
    ['0099-01-01T00:00:00Z', -59042995200000, '0099-01-01T00:00:00.000Z'],
    ['0000-03-01T00:00:00Z', -62162035200000, '0000-03-01T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', -62135596800000, '0001-01-01T00:00:00.000Z'],
    ['0050-06-15 12:30:00', -60574995000000, '0050-06-15T12:30:00.000Z'],
    ['0099-12-31T23:00:00-01:00', -59011459200000, '0100-01-01T00:00:00.000Z'],
  ])('reads %s in its own year, not in 19xx', (text, expected, iso) => {
    expect(parseEventTime(text)).toBe(expected);
    expect(formatEventTime(expected)).toBe(iso);
  });

  it('reads every ISO instant of years 0000-9999 as the instant it names', () => {
    const first = Date.parse('0000-01-01T00:00:00.000Z');
    const last = Date.parse('9999-12-31T23:59:59.999Z');
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        expect(parseEventTime(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '2023-02-29 00:00:00',
    '2024-05-01',
    '2024-05-01T24:00:00Z',
    '2024-05-01T13:60:00Z',
    'now',
    '2024-05-01T13:45:00+25:00',
  ])('refuses %s', (text) => {
    expect(parseEventTime(text)).toBeUndefined();
  });

  it('reads instants of one minute and of the next alternately, as a feed sends them', () => {
    const base = Date.UTC(2024, 4, 1, 13, 45);
    for (const ms of [base + 59_999, base + 60_000, base + 1, base + 60_000 + 999, base]) {
      expect(parseEventTime(new Date(ms).toISOString())).toBe(ms);
    }
  });

  it.each([
    '2024-05-01T13:45:60.000Z',
    '2024-05-01T13:45:6x.000Z',
    '2024-05-01T13:45:00.0a0Z',
    '2024-05-01T13:45:00.000z!',
    '2024-13-01T13:45:00.000Z',
    '2024-05-01T13:45/00.000Z',
    '2024-05-01T13:45:00,000Z',
  ])('refuses %s, also right after a valid instant of the same minute', (text) => {
    expect(parseEventTime('2024-05-01T13:45:59.999Z')).toBe(Date.UTC(2024, 4, 1, 13, 45, 59, 999));
    const general = text === '2024-05-01T13:45:00,000Z' ? Date.UTC(2024, 4, 1, 13, 45) : undefined;
    expect(parseEventTime(text)).toBe(general);
  });

  it('reads the day of every instant, whatever the day before it', () => {
    const first = Date.parse('0000-01-01T00:00:00.000Z');
    const last = Date.parse('9999-12-31T23:59:59.999Z');
    fc.assert(
      fc.property(fc.array(fc.integer({ min: first, max: last }), { maxLength: 5 }), (instants) => {
        for (const ms of instants) expect(utcDay(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
      }),
    );
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
  });

  it('formats ISO with Z and days in UTC', () => {
    expect(formatEventTime(Date.UTC(2024, 4, 1, 23, 59, 59))).toBe('2024-05-01T23:59:59.000Z');
    expect(utcDay(Date.UTC(2024, 4, 1, 23, 59, 59, 999))).toBe('2024-05-01');
  });

  it('aligns windows to the epoch, also before it', () => {
    expect(windowStart(Date.UTC(2024, 4, 1, 13, 45, 30), 60_000)).toBe(Date.UTC(2024, 4, 1, 13, 45));
    expect(windowStart(-1, 60_000)).toBe(-60_000);
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });
  it.each(['2', 'm', '2 minutes', '-1s', ''])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
