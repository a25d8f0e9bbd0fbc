import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  parseCount,
  parseNonNegativeDuration,
  parsePort,
  parseRate,
  parseRatio,
  parseSpeed,
  parseStart,
  parseSymbols,
} from './cli-options.js';

describe('produce flag parsing', () => {
  it('accepts the documented forms', () => {
    expect(parseCount('1000')).toBe(1000);
    expect(parseRate('250.5')).toBe(250.5);
    expect(parseRate('max')).toBe(Number.POSITIVE_INFINITY);
    expect(parseSpeed('1')).toBe(1);
    expect(parseSpeed('10')).toBe(10);
    expect(parseSpeed('MAX')).toBe(Number.POSITIVE_INFINITY);
    expect(parseRatio('0')).toBe(0);
    expect(parseRatio('0.05')).toBe(0.05);
    expect(parseNonNegativeDuration('0s')).toBe(0);
    expect(parseNonNegativeDuration('500ms')).toBe(500);
    expect(parseStart('2024-05-01 13:45:00')).toBe(Date.UTC(2024, 4, 1, 13, 45));
    expect(parseStart('2024-05-01T13:45:00Z')).toBe(Date.UTC(2024, 4, 1, 13, 45));
    expect(parseSymbols('aapl, $TSLA,BRK.B,AAPL')).toEqual(['AAPL', 'TSLA', 'BRK.B']);
    expect(parsePort('9464')).toBe(9464);
  });

  it('refuses bad values with a usage error saying what is expected', () => {
    const bad: [(raw: string) => unknown, string][] = [
      [parseCount, '0'],
      [parseCount, '1.5'],
      [parseCount, 'ten'],
      [parseRate, '0'],
      [parseRate, '-3'],
      [parseRate, ''],
      [parseSpeed, 'fast'],
      [parseRatio, '1.2'],
      [parseRatio, 'NaN'],
      [parseNonNegativeDuration, '5'],
      [parseStart, 'yesterday'],
      [parseSymbols, 'AAPL,TOOLONGX'],
      [parseSymbols, ','],
      [parsePort, '70000'],
    ];
    for (const [parse, raw] of bad)
      expect(() => parse(raw), `${parse.name}(${raw})`).toThrow(InvalidArgumentError);
  });
});
