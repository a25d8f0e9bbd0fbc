/**
 * The event-time range of the rows of bronze objects, read from their local files, so that a
 * scheduled run computes only the gold days new rows can change (an hour added at 20:00 changes
 * its day and the next, not also the day before). Read with DuckDB whichever engine runs the
 * models: one event-time column of the new objects only. A file that cannot be read, or holds no
 * rows, has no range (the runner falls back to its date's days; the load reports a bad object).
 */
import { availableParallelism } from 'node:os';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { BronzeSource } from './bronze-sources.js';
import type { SourceFile } from './engine.js';

export interface EventTimeRange {
  min: number;
  max: number;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** key → range of the files' rows' `source.eventTime`. */
export async function eventTimeRanges(
  source: BronzeSource,
  files: readonly SourceFile[],
): Promise<Map<string, EventTimeRange>> {
  const ranges = new Map<string, EventTimeRange>();
  if (files.length === 0) return ranges;
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(Math.max(1, Math.min(4, availableParallelism()))),
  });
  const connection = await instance.connect();
  try {
    const keyOf = new Map(files.map((f) => [f.path, f.key]));
    const read = async (group: readonly SourceFile[]) => {
      const rows = await rangesOf(connection, source.eventTime, group);
      for (const r of rows) {
        const key = keyOf.get(r.path);
        if (key) ranges.set(key, r);
      }
    };
    try {
      await read(files);
    } catch {
      // One bad file fails the statement: each file alone, so only the bad one goes without.
      for (const file of files) await read([file]).catch(() => undefined);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return ranges;
}

async function rangesOf(
  connection: DuckDBConnection,
  column: string,
  files: readonly SourceFile[],
): Promise<(EventTimeRange & { path: string })[]> {
  const paths = files.map((f) => literal(f.path)).join(', ');
  const result = await connection.runAndReadAll(
    `SELECT filename, epoch_ms(min(${identifier(column)})) AS lo, epoch_ms(max(${identifier(column)})) AS hi
     FROM read_parquet([${paths}], filename = true, union_by_name = true)
     GROUP BY filename`,
  );
  return result
    .getRowObjectsJS()
    .filter((r) => r.lo !== null && r.hi !== null)
    .map((r) => ({ path: String(r.filename), min: Number(r.lo), max: Number(r.hi) }));
}
