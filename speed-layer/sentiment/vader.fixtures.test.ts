import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scoreSentiment } from './vader.js';

/**
 * test/fixtures/vader/reference.jsonl holds the reference vaderSentiment 3.3.2's scores of a
 * generated corpus (speed-layer/sentiment/reference/make_fixtures.py). The reference rounds
 * compound to 4 decimals and the proportions to 3; we must produce the same rounded numbers.
 */
interface FixtureLine {
  text: string;
  compound: number;
  pos: number;
  neu: number;
  neg: number;
}

const fixturePath = new URL('../../test/fixtures/vader/reference.jsonl', import.meta.url);
const lines: FixtureLine[] = readFileSync(fixturePath, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => JSON.parse(line) as FixtureLine);

describe('VADER against the reference fixtures', () => {
  it('has a corpus of at least 5,000 lines', () => {
    expect(lines.length).toBeGreaterThanOrEqual(5000);
  });

  it('scores every line as the reference does (compound to 4 decimals, proportions to 3)', () => {
    const mismatches: string[] = [];
    for (const [index, expected] of lines.entries()) {
      const actual = scoreSentiment(expected.text);
      // == rather than Object.is: the reference writes -0.0 where a rounded score is negative zero.
      const same =
        actual.compound === expected.compound &&
        actual.pos === expected.pos &&
        actual.neu === expected.neu &&
        actual.neg === expected.neg;
      if (!same) {
        mismatches.push(`line ${index + 1} ${JSON.stringify(expected.text)}: got ${JSON.stringify(actual)}`);
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
  });
});
