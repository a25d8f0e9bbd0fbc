/**
 * Reads a file of tweets or price ticks for replay: JSON lines or CSV with a header row, timestamps
 * in ISO-8601 or the seed format `YYYY-MM-DD HH:mm:ss`. Every row goes through the topic's schema
 * decoder; a good row comes out as the wire message to publish, a bad one as a rejection with its
 * line number, reason and raw text. Streams the file, so memory does not grow with its size.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import { decodePriceTick, decodeTweet, encodePriceTick, encodeTweet, TOPICS } from '../schemas/events.js';
import type { Rejection } from '../schemas/rejection.js';
import { readCsvRecords } from './csv-reader.js';

export type ReplayTopic = (typeof TOPICS)[keyof typeof TOPICS];
export type ReplayFormat = 'jsonl' | 'csv';

export type ReplayRow =
  | { ok: true; line: number; message: OutgoingMessage & { timestamp: number } }
  | { ok: false; line: number; rejection: Rejection; raw: string };

export function formatFromPath(path: string): ReplayFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  return undefined;
}

/** Validates one parsed row for `topic` into the message to publish (canonical wire JSON). */
export function toReplayRow(topic: ReplayTopic, line: number, row: string | object, raw: string): ReplayRow {
  if (topic === TOPICS.tweets) {
    const decoded = decodeTweet(row);
    if (!decoded.ok) return { ok: false, line, rejection: decoded.rejection, raw };
    const t = decoded.value;
    return {
      ok: true,
      line,
      message: { key: t.id, value: JSON.stringify(encodeTweet(t)), timestamp: t.created_at },
    };
  }
  const decoded = decodePriceTick(row);
  if (!decoded.ok) return { ok: false, line, rejection: decoded.rejection, raw };
  const t = decoded.value;
  return {
    ok: true,
    line,
    message: { key: t.symbol, value: JSON.stringify(encodePriceTick(t)), timestamp: t.trade_timestamp },
  };
}

const NUMERIC_COLUMNS = new Set(['open_price', 'high_price', 'low_price', 'close_price', 'volume']);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A CSV cell as its JSON value: price columns that look numeric become numbers (a non-numeric
 * one stays text, so the decoder names the column); empty cells are missing fields.
 */
function cellValue(column: string, cell: string): unknown {
  if (cell === '') return undefined;
  if (NUMERIC_COLUMNS.has(column) && NUMBER.test(cell.trim())) return Number(cell.trim());
  return cell;
}

/** Rebuilds a printable raw line for the reject file. */
function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(',');
}

async function* readJsonl(path: string, topic: ReplayTopic): AsyncGenerator<ReplayRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    yield toReplayRow(topic, line, text, text);
  }
}

async function* readCsv(path: string, topic: ReplayTopic): AsyncGenerator<ReplayRow> {
  let header: string[] | undefined;
  for await (const record of readCsvRecords(createReadStream(path, { encoding: 'utf8' }))) {
    if (!header) {
      header = record.fields.map((f) =>
        f
          .trim()
          .replace(/^\uFEFF/, '')
          .toLowerCase(),
      );
      continue;
    }
    const raw = csvLine(record.fields);
    if (record.error !== undefined) {
      yield {
        ok: false,
        line: record.line,
        rejection: { field: '$', reason: `malformed CSV: ${record.error}` },
        raw,
      };
      continue;
    }
    if (record.fields.length !== header.length) {
      yield {
        ok: false,
        line: record.line,
        rejection: {
          field: '$',
          reason: `expected ${header.length} CSV fields, got ${record.fields.length}`,
        },
        raw,
      };
      continue;
    }
    const row: Record<string, unknown> = {};
    header.forEach((column, i) => {
      const value = cellValue(column, record.fields[i] as string);
      if (value !== undefined) row[column] = value;
    });
    yield toReplayRow(topic, record.line, row, raw);
  }
}

/** The rows of `path` in file order. */
export function readReplayRows(
  path: string,
  topic: ReplayTopic,
  format: ReplayFormat,
): AsyncGenerator<ReplayRow> {
  return format === 'csv' ? readCsv(path, topic) : readJsonl(path, topic);
}
