import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES, scoreLine, scoreLines } from './score.js';

async function scoreChunks(chunks: Array<Buffer | string>): Promise<unknown[]> {
  let out = '';
  for await (const piece of scoreLines(Readable.from(chunks))) out += piece;
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('scoreLine', () => {
  it('prints text, scores, label and cashtags in that order', () => {
    expect(scoreLine(Buffer.from('Not bad at all $AAPL 😍'), 1)).toBe(
      '{"text":"Not bad at all $AAPL 😍","compound":0.705,"pos":0.455,"neu":0.545,"neg":0,"label":"positive","symbols":["AAPL"]}',
    );
  });

  it('labels by the compound thresholds', () => {
    expect(JSON.parse(scoreLine(Buffer.from('this is terrible $TSLA'), 1)).label).toBe('negative');
    expect(JSON.parse(scoreLine(Buffer.from('the stock $MSFT'), 1)).label).toBe('neutral');
  });

  it('drops a carriage return before the newline', () => {
    expect(JSON.parse(scoreLine(Buffer.from('good\r'), 1)).text).toBe('good');
  });

  it('reports invalid UTF-8 with the line number', () => {
    expect(JSON.parse(scoreLine(Buffer.from([0x67, 0xff, 0x6f]), 7))).toEqual({
      error: 'invalid UTF-8',
      line: 7,
    });
    // A surrogate encoded in UTF-8 (CESU) is invalid too.
    expect(JSON.parse(scoreLine(Buffer.from([0xed, 0xa0, 0x80]), 8)).error).toBe('invalid UTF-8');
  });

  it('accepts 10,000 characters and rejects 10,001, counting code points', () => {
    expect(JSON.parse(scoreLine(Buffer.from('😍'.repeat(10_000)), 1)).text).toHaveLength(20_000);
    expect(JSON.parse(scoreLine(Buffer.from('a'.repeat(10_001)), 2))).toEqual({
      error: 'line longer than 10000 characters',
      line: 2,
    });
  });
});

describe('LineSplitter', () => {
  it('holds no more than the limit of a line that never ends', () => {
    const splitter = new LineSplitter(100);
    const lines: Array<[Buffer | null, number]> = [];
    let most = 0;
    for (let i = 0; i < 1_000; i++) {
      splitter.push(Buffer.alloc(37, 0x61), (bytes, line) => lines.push([bytes, line]));
      most = Math.max(most, splitter.bufferedBytes);
    }
    splitter.push(Buffer.from('\nok\n'), (bytes, line) => lines.push([bytes, line]));
    expect(most).toBeLessThanOrEqual(100);
    expect(lines).toEqual([
      [null, 1],
      [Buffer.from('ok'), 2],
    ]);
  });

  it('has a limit that fits the longest valid line', () => {
    expect(MAX_LINE_BYTES).toBeGreaterThanOrEqual(4 * 10_000 + 1);
  });
});

describe('scoreLines', () => {
  it('writes one output line per input line, in order, whatever the chunking', async () => {
    const input = Buffer.from('good\nbad $AAPL\n\n😍 $TSLA\nlast line without newline');
    const whole = await scoreChunks([input]);
    // Split into 1-byte chunks: lines and multi-byte characters cross chunk boundaries.
    const bytewise = await scoreChunks([...input].map((byte) => Buffer.from([byte])));
    expect(bytewise).toEqual(whole);
    expect(whole.map((row) => (row as { text: string }).text)).toEqual([
      'good',
      'bad $AAPL',
      '',
      '😍 $TSLA',
      'last line without newline',
    ]);
  });

  it('reports a bad line and carries on with the next', async () => {
    const rows = await scoreChunks([
      Buffer.from('good\n'),
      Buffer.from([0xc3, 0x28, 0x0a]),
      Buffer.from('bad\n'),
    ]);
    expect(rows).toEqual([
      expect.objectContaining({ text: 'good', label: 'positive' }),
      { error: 'invalid UTF-8', line: 2 },
      expect.objectContaining({ text: 'bad', label: 'negative' }),
    ]);
  });

  it('reports an overlong line without buffering it, and continues', async () => {
    const long = Buffer.alloc(MAX_LINE_BYTES + 10, 0x61);
    const rows = await scoreChunks([long, Buffer.from('\nfine\n')]);
    expect(rows).toEqual([
      { error: 'line longer than 10000 characters', line: 1 },
      expect.objectContaining({ text: 'fine' }),
    ]);
  });

  it('outputs nothing for empty input', async () => {
    expect(await scoreChunks([])).toEqual([]);
  });
});

describe('sentiment score (the real CLI)', () => {
  const cli = join(import.meta.dirname, '../sentiment.js');

  it('scores stdin lines as the reference does', () => {
    const result = spawnSync(process.execPath, [cli, 'score'], {
      input: 'Not bad at all $AAPL 😍\nI hate $TSLA\n',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The reference vaderSentiment 3.3.2 gives 0.705/0.455/0.545/0.0 and -0.5719/0/0.351/0.649.
    expect(rows).toEqual([
      {
        text: 'Not bad at all $AAPL 😍',
        compound: 0.705,
        pos: 0.455,
        neu: 0.545,
        neg: 0,
        label: 'positive',
        symbols: ['AAPL'],
      },
      {
        text: 'I hate $TSLA',
        compound: -0.5719,
        pos: 0,
        neu: 0.351,
        neg: 0.649,
        label: 'negative',
        symbols: ['TSLA'],
      },
    ]);
  });

  it('reads --file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'score-')), 'lines.txt');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from('good\n'), Buffer.from([0xff, 0x0a]), Buffer.from('bad')]),
    );
    const result = spawnSync(process.execPath, [cli, 'score', '--file', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(3);
    expect(JSON.parse(result.stdout.trim().split('\n')[1]!)).toEqual({ error: 'invalid UTF-8', line: 2 });
  });
});
