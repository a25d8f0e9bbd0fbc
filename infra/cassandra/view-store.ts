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

export type ClusteringValue = number | string | boolean;

/**
 * A bound: a value of the first clustering column, or a tuple over the leading clustering columns
 * (`[createdAt, id]` is CQL's `(created_at, id) < (?, ?)`). As in Cassandra (since CASSANDRA-7281),
 * a tuple compares lexicographically by the columns' plain value order, whatever their declared
 * clustering order: on `created_at DESC, id ASC`, `{ lt: [t, 'b'] }` selects created_at < t, and
 * created_at = t with id < 'b'.
 */
export type ClusteringBound = ClusteringValue | readonly ClusteringValue[];

/** At most one lower (gt or gte) and one upper (lt or lte) bound, as CQL allows. */
export interface ClusteringRange {
  gt?: ClusteringBound;
  gte?: ClusteringBound;
  lt?: ClusteringBound;
  lte?: ClusteringBound;
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
  /** Overrides the table's default TTL for these rows; 0 means no expiry. */
  ttlSeconds?: number;
  /**
   * The write time of these rows' cells, epoch ms (sent as `USING TIMESTAMP`, in microseconds).
   * Cassandra keeps, per cell, the value with the newest write time, so a replay carrying its
   * original write time never overwrites a cell written later. On equal write times an expiring
   * cell beats a non-expiring one, the later expiry beats the earlier, then the greater serialized
   * value wins. Without it the write time is the client's clock.
   */
  writeTime?: number;
}

export interface ViewStore {
  /** Creates the keyspace and tables if missing and adds columns a table lacks (idempotent). */
  ensureSchema(): Promise<void>;
  /**
   * Inserts or overwrites rows by primary key. Every row is checked against the table's row
   * schema before any is written (all or nothing): the key columns are required, every value given
   * must fit its column, null is refused. As in Cassandra, a column left undefined keeps its
   * stored value, and the write refreshes the TTL of the cells it writes.
   */
  upsert(table: TableName, rows: ViewRow[], options?: UpsertOptions): Promise<void>;
  /** Rows of one partition, in clustering order, optionally bounded and limited. */
  query<R extends ViewRow = ViewRow>(table: TableName, query: ViewQuery): Promise<R[]>;
  close(): Promise<void>;
}
