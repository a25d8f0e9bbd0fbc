/**
 * `sentiment score [--file F]`: scores text lines with our VADER and prints one JSON line per input
 * line, in order: {"text","compound","pos","neu","neg","label","symbols"}.
 *
 * Lines are split on "\n" (a "\r" before it is dropped) from raw bytes, so that each line is checked
 * for valid UTF-8 on its own. A line that is not valid UTF-8, or longer than MAX_TEXT_LENGTH
 * (10,000) characters, counted in code points as the tweet schema counts them, yields
 * {"error": "...", "line": N} (N from 1) and the rest continue; the exit code stays 0.
 *
 * Memory stays constant whatever the input size: a line is buffered only up to the most bytes
 * 10,000 characters can take (then the rest of it is skipped up to the next newline), output is
 * produced chunk by chunk, and `pipeline` waits for stdout to drain before reading on.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command } from 'commander';
import { MAX_TEXT_LENGTH } from '../../schemas/events.js';
import { sentimentLabel } from '../../schemas/rows.js';
import { extractCashtags } from '../../speed-layer/cashtags.js';
import { scoreSentiment } from '../../speed-layer/sentiment/vader.js';

/** UTF-8 takes at most 4 bytes per code point; one more for a trailing "\r". */
export const MAX_LINE_BYTES = 4 * MAX_TEXT_LENGTH + 1;

/** A complete line's bytes, or null when the line was longer than the splitter's limit. */
export type LineHandler = (bytes: Buffer | null, line: number) => void;

/**
 * Splits a byte stream into lines without holding more than `maxLineBytes` of any one line: a
 * longer line is reported as null and its bytes are dropped as they arrive.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private oversized = false;
  private lineNumber = 0;

  constructor(private readonly maxLineBytes: number = MAX_LINE_BYTES) {}

  /** Bytes held for the current, incomplete line. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  push(chunk: Buffer, onLine: LineHandler): void {
    let from = 0;
    while (from <= chunk.length) {
      const newline = chunk.indexOf(10, from);
      if (newline === -1) {
        this.hold(chunk.subarray(from));
        return;
      }
      this.hold(chunk.subarray(from, newline));
      this.emit(onLine);
      from = newline + 1;
    }
  }

  /** Reports the last line when the input does not end with a newline. */
  end(onLine: LineHandler): void {
    if (this.pendingBytes > 0 || this.oversized) this.emit(onLine);
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0 || this.oversized) return;
    if (this.pendingBytes + bytes.length > this.maxLineBytes) {
      this.oversized = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    // A copy, so that a short tail does not keep the whole chunk alive.
    this.pending.push(Buffer.from(bytes));
    this.pendingBytes += bytes.length;
  }

  private emit(onLine: LineHandler): void {
    this.lineNumber++;
    const bytes = this.oversized
      ? null
      : this.pending.length === 1
        ? this.pending[0]!
        : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.oversized = false;
    onLine(bytes, this.lineNumber);
  }
}

const TOO_LONG = `line longer than ${MAX_TEXT_LENGTH} characters`;

function codePointCount(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** The JSON output (without newline) for one input line's bytes (null: longer than the limit). */
export function scoreLine(bytes: Buffer | null, line: number): string {
  if (bytes === null) return JSON.stringify({ error: TOO_LONG, line });
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
  const content = bytes.subarray(0, end);
  if (!isUtf8(content)) return JSON.stringify({ error: 'invalid UTF-8', line });
  const text = content.toString('utf8');
  // UTF-16 length is an upper bound of the code point count: count only when it may be over.
  if (text.length > MAX_TEXT_LENGTH && codePointCount(text) > MAX_TEXT_LENGTH) {
    return JSON.stringify({ error: TOO_LONG, line });
  }
  const { compound, pos, neu, neg } = scoreSentiment(text);
  const symbols = extractCashtags(text);
  return JSON.stringify({ text, compound, pos, neu, neg, label: sentimentLabel(compound), symbols });
}

/** The stream transform: byte chunks in, JSON lines out (one string per input chunk). */
export async function* scoreLines(source: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const splitter = new LineSplitter();
  let out = '';
  const collect: LineHandler = (bytes, line) => {
    out += `${scoreLine(bytes, line)}\n`;
  };
  for await (const chunk of source) {
    splitter.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, collect);
    if (out !== '') {
      yield out;
      out = '';
    }
  }
  splitter.end(collect);
  if (out !== '') yield out;
}

/** Scores `input` to `output`; resolves when all is written. A closed output (EPIPE) ends quietly. */
export async function scoreStream(input: Readable, output: Writable): Promise<void> {
  try {
    await pipeline(input, scoreLines, output, { end: output !== process.stdout });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  }
}

export function scoreCommand(): Command {
  return new Command('score')
    .description('score text lines (stdin or --file) with VADER; print one JSON line per input line')
    .option('-f, --file <path>', 'read the lines from this file instead of stdin')
    .action(async (options: { file?: string }) => {
      const input = options.file === undefined ? process.stdin : createReadStream(options.file);
      try {
        await scoreStream(input, process.stdout);
      } catch (error) {
        process.stderr.write(`sentiment score: ${(error as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
