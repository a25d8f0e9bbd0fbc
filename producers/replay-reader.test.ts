import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodePriceTick, decodeTweet, TOPICS } from '../schemas/events.js';
import { PublishStats, publish } from './publisher.js';
import { RejectFile, type RejectRecord } from './reject-file.js';
import { formatFromPath, type ReplayRow, type ReplayTopic, readReplayRows } from './replay-reader.js';
import { replayMessages } from './replay-source.js';
import type { Sink } from './sinks.js';

const fixtures = new URL('../test/fixtures/replay/', import.meta.url).pathname;

async function rowsOf(file: string, topic: ReplayTopic): Promise<ReplayRow[]> {
  const path = join(fixtures, file);
  const rows: ReplayRow[] = [];
  for await (const row of readReplayRows(path, topic, formatFromPath(path) ?? 'jsonl')) rows.push(row);
  return rows;
}

const badLines = (rows: ReplayRow[]) =>
  rows.flatMap((r) => (r.ok ? [] : [{ line: r.line, field: r.rejection.field }]));

describe('replay reader', () => {
  it('rejects exactly the known bad rows of a JSONL tweet file', async () => {
    const rows = await rowsOf('tweets-with-bad-rows.jsonl', TOPICS.tweets);
    expect(badLines(rows)).toEqual([
      { line: 3, field: 'created_at' },
      { line: 5, field: '$' },
      { line: 7, field: 'created_at' },
      { line: 9, field: 'text' },
      { line: 10, field: 'user_id' },
    ]);
    expect(rows.filter((r) => r.ok).map((r) => r.line)).toEqual([1, 2, 4, 8, 11]);
  });

  it('rejects exactly the known bad rows of a CRLF CSV tick file', async () => {
    const rows = await rowsOf('ticks-with-bad-rows.csv', TOPICS.prices);
    expect(badLines(rows)).toEqual([
      { line: 4, field: 'high_price' },
      { line: 5, field: 'open_price' },
      { line: 6, field: '$' },
      { line: 7, field: 'volume' },
      { line: 8, field: 'symbol' },
      { line: 12, field: 'trade_timestamp' },
      { line: 13, field: 'close_price' },
    ]);
    expect(rows.filter((r) => r.ok).map((r) => r.line)).toEqual([2, 3, 9, 11]);
  });

  it('rejects exactly the known bad rows of a CSV tweet file with quoting', async () => {
    const rows = await rowsOf('tweets-with-bad-rows.csv', TOPICS.tweets);
    expect(badLines(rows)).toEqual([
      { line: 6, field: 'text' },
      { line: 7, field: '$' },
      { line: 9, field: '$' },
    ]);
    const texts = rows.flatMap((r) => (r.ok ? [JSON.parse(r.message.value as string).text] : []));
    expect(texts).toEqual([
      '$AAPL up, $MSFT down',
      'She said "buy $TSLA" :)',
      'two lines\nabout $NVDA',
      'plain $AMZN text',
    ]);
  });

  it('publishes good rows as canonical wire JSON: ISO timestamps, ticks keyed by symbol, tweets by id', async () => {
    const ticks = (await rowsOf('ticks-with-bad-rows.csv', TOPICS.prices)).flatMap((r) =>
      r.ok ? [r.message] : [],
    );
    expect(ticks.map((m) => m.key)).toEqual(['AAPL', 'TSLA', 'BRK.B', 'BTC']);
    expect(JSON.parse(ticks[0]?.value as string)).toMatchObject({
      trade_timestamp: '2024-05-01T13:45:00.000Z',
      open_price: 170.1,
    });
    for (const m of ticks) expect(decodePriceTick(m.value as string).ok).toBe(true);
    const tweets = (await rowsOf('tweets-with-bad-rows.jsonl', TOPICS.tweets)).flatMap((r) =>
      r.ok ? [r.message] : [],
    );
    expect(tweets.map((m) => m.key)).toEqual(['1001', '1002', '1004', '1007', '1010']);
    expect(JSON.parse(tweets[1]?.value as string).created_at).toBe('2024-05-01T13:45:07.000Z');
    expect(JSON.parse(tweets[4]?.value as string).created_at).toBe('2024-05-01T11:45:15.000Z');
    for (const m of tweets) expect(decodeTweet(m.value as string).ok).toBe(true);
  });

  it('tells the format from the file name', () => {
    expect(formatFromPath('a/b.CSV')).toBe('csv');
    expect(formatFromPath('x.ndjson')).toBe('jsonl');
    expect(formatFromPath('x.jsonl')).toBe('jsonl');
    expect(formatFromPath('x.txt')).toBeUndefined();
  });
});

describe('replay with a reject file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'replay-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes the good rows, counts the bad ones and lists them with line and reason', async () => {
    const rejects = new RejectFile(join(dir, 'rejects.jsonl'));
    const stats = new PublishStats();
    const published: string[] = [];
    const sink: Sink = {
      description: 'memory',
      async write(batch) {
        for (const m of batch) published.push(m.key as string);
      },
    };
    const rows = readReplayRows(join(fixtures, 'tweets-with-bad-rows.jsonl'), TOPICS.tweets, 'jsonl');
    const result = await publish({ source: replayMessages(rows, rejects, stats), sink, stats });
    await rejects.close();
    expect(result).toMatchObject({ sent: 5, unsent: 0, reason: 'end' });
    expect(stats.rejects).toBe(5);
    expect(published).toEqual(['1001', '1002', '1004', '1007', '1010']);
    const lines = (await readFile(rejects.path, 'utf8')).trim().split('\n');
    const records = lines.map((l) => JSON.parse(l) as RejectRecord);
    expect(records.map((r) => r.line)).toEqual([3, 5, 7, 9, 10]);
    expect(records[0]).toMatchObject({ field: 'created_at', reason: 'missing field' });
    expect(records[2]?.reason).toMatch(/unparseable timestamp "yesterday"/);
    expect(records[1]?.raw).toContain('broken json');
  });
});
