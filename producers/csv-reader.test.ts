import { describe, expect, it } from 'vitest';
import { readCsvRecords } from './csv-reader.js';

async function records(text: string, chunkSize = text.length || 1) {
  async function* chunks() {
    for (let i = 0; i < text.length; i += chunkSize) yield text.slice(i, i + chunkSize);
  }
  const out = [];
  for await (const record of readCsvRecords(chunks())) out.push(record);
  return out;
}

describe('CSV reader (RFC 4180)', () => {
  it('splits plain fields and keeps empty ones', async () => {
    expect(await records('a,b,,d\n1,2,3,4\n')).toEqual([
      { fields: ['a', 'b', '', 'd'], line: 1 },
      { fields: ['1', '2', '3', '4'], line: 2 },
    ]);
  });

  it('reads quoted fields with commas, escaped quotes and newlines, numbering lines from the record start', async () => {
    const text = 'x,"a, b","say ""hi"""\r\ny,"two\r\nlines",z\r\nw,1,2\r\n';
    expect(await records(text)).toEqual([
      { fields: ['x', 'a, b', 'say "hi"'], line: 1 },
      { fields: ['y', 'two\r\nlines', 'z'], line: 2 },
      { fields: ['w', '1', '2'], line: 4 },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', async () => {
    const text = 'id,text\r\n1,"a ""b"", c\nd"\r\n2,plain\n\n3,"end"';
    expect(await records(text, 1)).toEqual(await records(text));
    expect(await records(text, 3)).toEqual(await records(text));
  });

  it('skips blank lines but counts them', async () => {
    expect(await records('a\n\n\nb\n')).toEqual([
      { fields: ['a'], line: 1 },
      { fields: ['b'], line: 4 },
    ]);
  });

  it('reads a last record without a final newline', async () => {
    expect(await records('a,b\n1,2')).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
    ]);
  });

  it('flags junk after a closing quote and an unterminated quote on the record', async () => {
    const [junk, open] = await records('"a"x,b\n"never closed,c\n');
    expect(junk?.error).toMatch(/after a closing quote/);
    expect(junk?.line).toBe(1);
    expect(open?.error).toMatch(/unterminated/);
    expect(open?.line).toBe(2);
  });
});
