/**
 * The reject file of a replay: one JSON line per refused row with its line number, the field and
 * the reason, and the raw row, so a user can fix the source and replay just those rows. Opened on
 * the first reject only, so clean files leave nothing behind.
 */

import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Rejection } from '../schemas/rejection.js';

export interface RejectRecord {
  line: number;
  field: string;
  reason: string;
  raw: string;
}

export class RejectFile {
  private stream: WriteStream | undefined;
  count = 0;

  constructor(readonly path: string) {}

  async write(line: number, rejection: Rejection, raw: string): Promise<void> {
    this.count++;
    this.stream ??= createWriteStream(this.path, { flags: 'w' });
    const record: RejectRecord = { line, field: rejection.field, reason: rejection.reason, raw };
    if (!this.stream.write(`${JSON.stringify(record)}\n`)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) =>
      stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}
