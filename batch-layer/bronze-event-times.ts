/**
 * The event-time range of the rows of bronze objects, read from their local files, so that a
 * scheduled run computes only the gold days new rows can change (an hour added at 20:00 changes
 * its day and the next, not also the day before). Read with DuckDB whichever engine runs the
 * models: from the event-time column's statistics in the new objects' footers, or from the column
 * itself where a writer left them out. A file that cannot be read, or holds no rows, has no range
 * (the runner falls back to its date's days; the load reports a bad object).
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
        if (key) ranges.set(key, { min: r.min, max: r.max });
      }
    };
    // Footer statistics first (no data read); files without them, or whose footer fails, are read.
    const fromFooters = await footerRanges(connection, source.eventTime, files).catch(() => []);
    for (const r of fromFooters) {
      const key = keyOf.get(r.path);
      if (key) ranges.set(key, { min: r.min, max: r.max });
    }
    const rest = files.filter((f) => !ranges.has(f.key));
    try {
      if (rest.length > 0) await read(rest);
    } catch {
      // One bad file fails the statement: each file alone, so only the bad one goes without.
      for (const file of rest) await read([file]).catch(() => undefined);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return ranges;
}

/** Min and max from the column's row-group statistics, for the files where every row group has them. */
async function footerRanges(
  connection: DuckDBConnection,
  column: string,
  files: readonly SourceFile[],
): Promise<(EventTimeRange & { path: string })[]> {
  const paths = files.map((f) => literal(f.path)).join(', ');
  // The statistics come as text in the session's zone ('2026-10-01 00:59:06.373+00'); the cast
  // reads the offset back, so the zone does not matter.
  const result = await connection.runAndReadAll(
    `SELECT file_name,
       epoch_ms(min(CAST(stats_min_value AS TIMESTAMPTZ))) AS lo,
       epoch_ms(max(CAST(stats_max_value AS TIMESTAMPTZ))) AS hi,
       count(*) FILTER (WHERE stats_min_value IS NULL OR stats_max_value IS NULL) AS missing
     FROM parquet_metadata([${paths}])
     WHERE path_in_schema = ${literal(column)}
     GROUP BY file_name`,
  );
  return result
    .getRowObjectsJS()
    .filter((r) => Number(r.missing) === 0 && r.lo !== null && r.hi !== null)
    .map((r) => ({ path: String(r.file_name), min: Number(r.lo), max: Number(r.hi) }));
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
