/**
 * Reads a time range across the day partitions of a (…, day)-partitioned view, on the view-store
 * port (so it behaves the same on the stand-in and on Cassandra).
 *
 * `[from, to)` bounds the first clustering column, which must be the timestamp the day partition
 * is cut from (`day = utcDay(first clustering column)`, as for every view in schemas/cassandra.ts).
 * Rows come in the table's clustering order (newest first for our tables), day partitions in the
 * same direction; up to `concurrency` day queries run at once, each asking only for the rows still
 * missing; reading stops at `limit`.
 *
 * The cursor (base64url JSON of the last row's clustering values) resumes exactly after that row.
 * Resuming inside a day needs one query per clustering column: on `created_at DESC, id ASC`, after
 * (t, i) come first created_at = t with id > i, written as `(created_at, id) > (t, i) AND
 * (created_at) <= (t)` (tuples compare by plain value order whatever the clustering order), then
 * created_at < t.
 */
import { type TableName, type TableSpec, tableSpec } from '../../schemas/cassandra.js';
import { DAY_MS, utcDay } from '../../schemas/time.js';
import type { ClusteringRange, ClusteringValue, ViewQuery, ViewRow, ViewStore } from './view-store.js';

export interface RangeRead {
  table: TableName;
  /** The partition-key columns other than `day`, e.g. `{ symbol: 'AAPL' }`. */
  partition: Record<string, string | number>;
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  limit: number;
  /** From a previous page of the same read. */
  cursor?: string;
  /** Day queries in flight at once (default 4). */
  concurrency?: number;
}

export interface RangePage<R> {
  rows: R[];
  /** Present when more rows follow; pass it back to read the next page. */
  cursor?: string;
}

const DAY_COLUMN = 'day';

interface CursorBody {
  t: string;
  v: ClusteringValue[];
}

export function encodeCursor(table: string, values: ClusteringValue[]): string {
  return Buffer.from(JSON.stringify({ t: table, v: values } satisfies CursorBody)).toString('base64url');
}

export function decodeCursor(spec: TableSpec, cursor: string): ClusteringValue[] {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`range read ${spec.name}: the cursor is not one this reader made`);
  }
  const { t, v } = (body ?? {}) as Partial<CursorBody>;
  if (t !== spec.name || !Array.isArray(v) || v.length !== spec.clustering.length) {
    throw new Error(`range read ${spec.name}: the cursor is not one this reader made for this table`);
  }
  return v;
}

/** The UTC days of [from, to), in the direction rows come in. */
function daysOf(from: number, to: number, newestFirst: boolean): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${utcDay(from)}T00:00:00Z`); t < to; t += DAY_MS) days.push(utcDay(t));
  return newestFirst ? days.reverse() : days;
}

/** The queries, in order, that together return the rows of [from, to) after the cursor. */
function segments(spec: TableSpec, read: RangeRead, after: ClusteringValue[] | undefined): ViewQuery[] {
  const first = spec.clustering[0];
  if (!first) throw new Error(`range read ${spec.name}: the table has no clustering column`);
  const newestFirst = first.order === 'DESC';
  const whole: ClusteringRange = { gte: read.from, lt: read.to };
  const partition = (day: string) => ({ ...read.partition, [DAY_COLUMN]: day });
  let days = daysOf(read.from, read.to, newestFirst);
  const out: ViewQuery[] = [];
  if (after) {
    const t = after[0] as number;
    if (typeof t !== 'number' || t < read.from || t >= read.to) {
      throw new Error(`range read ${spec.name}: the cursor lies outside [from, to)`);
    }
    const day = utcDay(t);
    days = days.slice(days.indexOf(day) + 1);
    // Deepest column first: the rows sharing the longest prefix with the cursor come next.
    for (let k = spec.clustering.length; k >= 2; k--) {
      const descending = spec.clustering[k - 1]?.order === 'DESC';
      const tuple = after.slice(0, k);
      const prefix = after.slice(0, k - 1);
      out.push({
        partition: partition(day),
        range: descending ? { lt: tuple, gte: prefix } : { gt: tuple, lte: prefix },
      });
    }
    out.push({
      partition: partition(day),
      range: newestFirst ? { lt: t, gte: read.from } : { gt: t, lt: read.to },
    });
  }
  for (const day of days) out.push({ partition: partition(day), range: whole });
  return out;
}

export async function readRange<R extends ViewRow = ViewRow>(
  store: ViewStore,
  read: RangeRead,
): Promise<RangePage<R>> {
  const spec = tableSpec(read.table);
  if (!spec.partitionKey.includes(DAY_COLUMN)) {
    throw new Error(`range read ${spec.name}: the table is not partitioned by ${DAY_COLUMN}`);
  }
  if (!Number.isInteger(read.limit) || read.limit < 1) {
    throw new Error(`range read ${spec.name}: limit must be a positive integer`);
  }
  const concurrency = read.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`range read ${spec.name}: concurrency must be a positive integer`);
  }
  const after = read.cursor === undefined ? undefined : decodeCursor(spec, read.cursor);
  const queries = read.from < read.to ? segments(spec, read, after) : [];

  // One row beyond the limit tells whether a next page exists.
  const wanted = read.limit + 1;
  const rows: R[] = [];
  const pending: Promise<R[]>[] = [];
  let launched = 0;
  for (let next = 0; next < queries.length && rows.length < wanted; next++) {
    while (launched < queries.length && launched - next < concurrency) {
      const query = { ...(queries[launched] as ViewQuery), limit: wanted - rows.length };
      const result = store.query<R>(read.table, query);
      // Queries still running when the limit is reached are dropped; never leave them unhandled.
      result.catch(() => undefined);
      pending.push(result);
      launched++;
    }
    for (const row of await (pending[next] as Promise<R[]>)) {
      if (rows.length === wanted) break;
      rows.push(row);
    }
  }
  if (rows.length <= read.limit) return { rows };
  rows.length = read.limit;
  const last = rows[read.limit - 1] as R;
  return {
    rows,
    cursor: encodeCursor(
      spec.name,
      spec.clustering.map((c) => last[c.column] as ClusteringValue),
    ),
  };
}
