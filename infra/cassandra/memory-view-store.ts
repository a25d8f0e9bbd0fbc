/**
 * The embedded view store: Cassandra's semantics for our tables in one process. Rows live in
 * partitions keyed by the partition-key values and are kept sorted by the clustering columns in
 * the table's declared order; upserts merge column by column; rows expire by TTL.
 *
 * TTL here is per row, refreshed by every write; Cassandra's is per cell. The difference shows only
 * when different columns of one row are written at different times with different TTLs, which
 * our writers never do.
 */
import { type TableName, type TableSpec, tableSpec } from '../../schemas/cassandra.js';
import type { ClusteringRange, UpsertOptions, ViewQuery, ViewRow, ViewStore } from './view-store.js';

interface StoredRow {
  row: ViewRow;
  expiresAt: number;
}

interface Table {
  spec: TableSpec;
  /** partition id → rows sorted by clustering key in table order */
  partitions: Map<string, StoredRow[]>;
}

export interface MemoryViewStoreOptions {
  defaultTtlSeconds: number;
  /** Injectable clock for TTL tests. */
  now?: () => number;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export class MemoryViewStore implements ViewStore {
  private readonly tables = new Map<string, Table>();
  private readonly now: () => number;

  constructor(private readonly options: MemoryViewStoreOptions) {
    this.now = options.now ?? Date.now;
  }

  async ensureSchema(): Promise<void> {
    // Tables come from schemas/cassandra.ts; they are created lazily on first use.
  }

  private table(name: TableName): Table {
    let table = this.tables.get(name);
    if (!table) {
      table = { spec: tableSpec(name), partitions: new Map() };
      this.tables.set(name, table);
    }
    return table;
  }

  private partitionId(spec: TableSpec, values: Record<string, unknown>, context: string): string {
    return spec.partitionKey
      .map((column) => {
        const value = values[column];
        if (value === undefined || value === null) {
          throw new Error(`${context} ${spec.name}: partition key column ${column} is missing`);
        }
        return String(value);
      })
      .join('\u0000');
  }

  /** Negative when `a` sorts before `b` in the table's clustering order. */
  private compareClustering(spec: TableSpec, a: ViewRow, b: ViewRow): number {
    for (const { column, order } of spec.clustering) {
      const c = compareValues(a[column], b[column]);
      if (c !== 0) return order === 'DESC' ? -c : c;
    }
    return 0;
  }

  async upsert(name: TableName, rows: ViewRow[], options: UpsertOptions = {}): Promise<void> {
    const table = this.table(name);
    const ttlMs = (options.ttlSeconds ?? this.options.defaultTtlSeconds) * 1000;
    const now = this.now();
    for (const row of rows) {
      for (const { column } of table.spec.clustering) {
        if (row[column] === undefined || row[column] === null) {
          throw new Error(`upsert ${name}: clustering column ${column} is missing`);
        }
      }
      const id = this.partitionId(table.spec, row, 'upsert');
      let partition = table.partitions.get(id);
      if (!partition) {
        partition = [];
        table.partitions.set(id, partition);
      }
      const defined = Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
      // Binary search for the row's place in clustering order.
      let lo = 0;
      let hi = partition.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compareClustering(table.spec, (partition[mid] as StoredRow).row, row) < 0) lo = mid + 1;
        else hi = mid;
      }
      const existing = partition[lo];
      const expiresAt = ttlMs > 0 ? now + ttlMs : Number.POSITIVE_INFINITY;
      if (
        existing &&
        existing.expiresAt > now &&
        this.compareClustering(table.spec, existing.row, row) === 0
      ) {
        existing.row = { ...existing.row, ...defined };
        existing.expiresAt = expiresAt;
      } else if (existing && this.compareClustering(table.spec, existing.row, row) === 0) {
        partition[lo] = { row: defined, expiresAt };
      } else {
        partition.splice(lo, 0, { row: defined, expiresAt });
      }
    }
  }

  async query<R extends ViewRow = ViewRow>(name: TableName, query: ViewQuery): Promise<R[]> {
    const table = this.table(name);
    const partition = table.partitions.get(this.partitionId(table.spec, query.partition, 'query')) ?? [];
    const now = this.now();
    const first = table.spec.clustering[0]?.column as string;
    const live = partition.filter(
      (stored) => stored.expiresAt > now && inRange(stored.row[first], query.range),
    );
    if (live.length < partition.length) {
      // Drop expired rows as we pass, as compaction would.
      const kept = partition.filter((stored) => stored.expiresAt > now);
      table.partitions.set(this.partitionId(table.spec, query.partition, 'query'), kept);
    }
    const ordered = query.order === 'reversed' ? [...live].reverse() : live;
    const limited = query.limit === undefined ? ordered : ordered.slice(0, query.limit);
    return limited.map((stored) => ({ ...query.partition, ...stored.row }) as R);
  }

  async close(): Promise<void> {
    this.tables.clear();
  }
}

function inRange(value: unknown, range: ClusteringRange | undefined): boolean {
  if (!range) return true;
  if (range.gt !== undefined && !(compareValues(value, range.gt) > 0)) return false;
  if (range.gte !== undefined && !(compareValues(value, range.gte) >= 0)) return false;
  if (range.lt !== undefined && !(compareValues(value, range.lt) < 0)) return false;
  if (range.lte !== undefined && !(compareValues(value, range.lte) <= 0)) return false;
  return true;
}
