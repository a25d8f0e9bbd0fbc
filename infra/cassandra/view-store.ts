/**
 * The view-store port: Cassandra's semantics for the speed views declared in schemas/cassandra.ts.
 * Implemented by the embedded MemoryViewStore and by the real Cassandra adapter; both pass
 * view-store.contract.ts.
 *
 * Values in code: timestamps are epoch ms numbers, days are `YYYY-MM-DD` strings, bigints are
 * numbers, lists are arrays. A column without a value is absent from a returned row, never null.
 */
import type { TableName } from '../../schemas/cassandra.js';

export type ViewRow = Record<string, unknown>;

/** Bounds on the first clustering column. */
export interface ClusteringRange {
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
}

export interface ViewQuery {
  /** Every partition-key column, e.g. `{ symbol: 'AAPL', day: '2024-05-01' }`. */
  partition: Record<string, string | number>;
  range?: ClusteringRange;
  /** `table`: the table's clustering order (newest first for our tables); `reversed`: the opposite. */
  order?: 'table' | 'reversed';
  limit?: number;
}

export interface UpsertOptions {
  /** Overrides the table's default TTL for these rows. */
  ttlSeconds?: number;
}

export interface ViewStore {
  /** Creates the keyspace and tables if missing (idempotent). */
  ensureSchema(): Promise<void>;
  /**
   * Inserts or overwrites rows by primary key. As in Cassandra, a column left undefined keeps its
   * stored value, and the write refreshes the row's TTL.
   */
  upsert(table: TableName, rows: ViewRow[], options?: UpsertOptions): Promise<void>;
  /** Rows of one partition, in clustering order, optionally bounded and limited. */
  query<R extends ViewRow = ViewRow>(table: TableName, query: ViewQuery): Promise<R[]>;
  close(): Promise<void>;
}
