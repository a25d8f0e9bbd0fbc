/**
 * The embedded view store: Cassandra's semantics for our tables in one process. Rows live in
 * partitions keyed by the partition-key values and are kept sorted by the clustering columns in
 * the table's declared order. As in Cassandra, every written column is a cell with its own write
 * time and expiry, and a write merges cell by cell by last-write-wins (see `reconcile`); the
 * INSERT's row marker is a cell too, so a row lives while its marker or any cell does.
 *
 * Expiry counts whole seconds, as Cassandra's does. Expired cells are kept for gc_grace_seconds
 * (Cassandra's default, ten days), because until then they still win a tie on equal write times.
 */
import { type TableName, type TableSpec, tableSpec } from '../../schemas/cassandra.js';
import { kindOf, validateRange, validateRows, validateUpsertOptions } from './row-validation.js';
import { compareSerialized, compareTuple, compareValues } from './value-order.js';
import type {
  ClusteringBound,
  ClusteringRange,
  UpsertOptions,
  ViewQuery,
  ViewRow,
  ViewStore,
} from './view-store.js';

interface Cell {
  value?: unknown;
  /** microseconds, as CQL's USING TIMESTAMP */
  writeTime: number;
  /** epoch seconds; Infinity when the cell does not expire */
  expiresAt: number;
}

interface StoredRow {
  /** partition-key and clustering values */
  key: ViewRow;
  clustering: unknown[];
  marker: Cell;
  cells: Map<string, Cell>;
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
  gcGraceSeconds?: number;
}

/**
 * Which of two cells of one column survives, by Cassandra's rules (checked against Cassandra 5.0):
 * the newer write time; on a tie the expiring cell, then the later expiry, then the greater
 * serialized value. The result does not depend on the order the cells arrived in.
 */
export function reconcile(compare: (a: unknown, b: unknown) => number, a: Cell, b: Cell): Cell {
  if (a.writeTime !== b.writeTime) return a.writeTime > b.writeTime ? a : b;
  const aExpires = a.expiresAt !== Number.POSITIVE_INFINITY;
  const bExpires = b.expiresAt !== Number.POSITIVE_INFINITY;
  if (aExpires !== bExpires) return aExpires ? a : b;
  if (a.expiresAt !== b.expiresAt) return a.expiresAt > b.expiresAt ? a : b;
  if (a.value === undefined || b.value === undefined) return a;
  return compare(a.value, b.value) >= 0 ? a : b;
}

const GC_GRACE_SECONDS = 864_000;

export class MemoryViewStore implements ViewStore {
  private readonly tables = new Map<string, Table>();
  private readonly now: () => number;
  private readonly gcGraceSeconds: number;
  private lastWriteTime = 0;

  constructor(private readonly options: MemoryViewStoreOptions) {
    this.now = options.now ?? Date.now;
    this.gcGraceSeconds = options.gcGraceSeconds ?? GC_GRACE_SECONDS;
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
  private compareClustering(spec: TableSpec, a: readonly unknown[], b: readonly unknown[]): number {
    for (let i = 0; i < spec.clustering.length; i++) {
      const c = compareValues(a[i], b[i]);
      if (c !== 0) return spec.clustering[i]?.order === 'DESC' ? -c : c;
    }
    return 0;
  }

  /** The driver's default: client time in microseconds, strictly increasing within the process. */
  private nextWriteTime(): number {
    this.lastWriteTime = Math.max(this.now() * 1000, this.lastWriteTime + 1);
    return this.lastWriteTime;
  }

  async upsert(name: TableName, rows: ViewRow[], options: UpsertOptions = {}): Promise<void> {
    const table = this.table(name);
    const { spec } = table;
    validateUpsertOptions(spec, options);
    // All rows are checked before any is stored, as the real adapter does.
    const checked = validateRows(spec, rows);
    const ids = checked.map((row) => this.partitionId(spec, row, 'upsert'));
    const ttl = options.ttlSeconds ?? this.options.defaultTtlSeconds;
    const nowSeconds = Math.floor(this.now() / 1000);
    const keyColumns = new Set([...spec.partitionKey, ...spec.clustering.map((c) => c.column)]);
    const writeTime = options.writeTime === undefined ? undefined : options.writeTime * 1000;
    checked.forEach((row, index) => {
      const id = ids[index] as string;
      let partition = table.partitions.get(id);
      if (!partition) {
        partition = [];
        table.partitions.set(id, partition);
      }
      const clustering = spec.clustering.map((c) => row[c.column]);
      // Each statement gets its own client timestamp, as the driver gives each of a batch's.
      const cellTime = writeTime ?? this.nextWriteTime();
      const expiresAt = ttl > 0 ? nowSeconds + ttl : Number.POSITIVE_INFINITY;
      let lo = 0;
      let hi = partition.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compareClustering(spec, (partition[mid] as StoredRow).clustering, clustering) < 0)
          lo = mid + 1;
        else hi = mid;
      }
      let stored = partition[lo];
      if (!stored || this.compareClustering(spec, stored.clustering, clustering) !== 0) {
        const key: ViewRow = {};
        for (const column of keyColumns) key[column] = row[column];
        stored = {
          key,
          clustering,
          marker: { writeTime: Number.NEGATIVE_INFINITY, expiresAt: 0 },
          cells: new Map(),
        };
        partition.splice(lo, 0, stored);
      }
      const marker = { writeTime: cellTime, expiresAt };
      stored.marker = reconcile(() => 0, stored.marker, marker);
      for (const [column, value] of Object.entries(row)) {
        if (keyColumns.has(column)) continue;
        const cell: Cell = { value, writeTime: cellTime, expiresAt };
        const existing = stored.cells.get(column);
        const kind = kindOf(spec, column);
        stored.cells.set(
          column,
          existing ? reconcile((a, b) => compareSerialized(kind, a, b), existing, cell) : cell,
        );
      }
    });
  }

  async query<R extends ViewRow = ViewRow>(name: TableName, query: ViewQuery): Promise<R[]> {
    const table = this.table(name);
    const { spec } = table;
    const id = this.partitionId(spec, query.partition, 'query');
    validateRange(spec, query.range);
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
      throw new Error(`query ${name}: limit must be a positive integer`);
    }
    const partition = table.partitions.get(id) ?? [];
    const nowSeconds = Math.floor(this.now() / 1000);
    const live = (cell: Cell) => nowSeconds < cell.expiresAt;
    const out: R[] = [];
    for (const stored of partition) {
      if (!inRange(stored.clustering, query.range)) continue;
      const row: ViewRow = { ...stored.key };
      let alive = live(stored.marker);
      for (const [column, cell] of stored.cells) {
        if (!live(cell)) continue;
        row[column] = cell.value;
        alive = true;
      }
      if (alive) out.push(row as R);
    }
    this.purge(table, id, partition, nowSeconds);
    const ordered = query.order === 'reversed' ? out.reverse() : out;
    return query.limit === undefined ? ordered : ordered.slice(0, query.limit);
  }

  /** Drops what compaction would: cells expired longer than gc grace ago, and rows left empty. */
  private purge(table: Table, id: string, partition: StoredRow[], nowSeconds: number): void {
    const gone = (cell: Cell) => cell.expiresAt + this.gcGraceSeconds <= nowSeconds;
    let changed = false;
    for (const stored of partition) {
      for (const [column, cell] of stored.cells) {
        if (gone(cell)) {
          stored.cells.delete(column);
          changed = true;
        }
      }
    }
    if (!changed && !partition.some((stored) => gone(stored.marker))) return;
    const kept = partition.filter((stored) => stored.cells.size > 0 || !gone(stored.marker));
    if (kept.length === 0) table.partitions.delete(id);
    else table.partitions.set(id, kept);
  }

  async close(): Promise<void> {
    this.tables.clear();
  }
}

const tuple = (bound: ClusteringBound): readonly unknown[] => (Array.isArray(bound) ? bound : [bound]);

/** Cassandra's slice semantics: each bound compares the leading clustering values as a tuple. */
function inRange(clustering: readonly unknown[], range: ClusteringRange | undefined): boolean {
  if (!range) return true;
  if (range.gt !== undefined && !(compareTuple(clustering, tuple(range.gt)) > 0)) return false;
  if (range.gte !== undefined && !(compareTuple(clustering, tuple(range.gte)) >= 0)) return false;
  if (range.lt !== undefined && !(compareTuple(clustering, tuple(range.lt)) < 0)) return false;
  if (range.lte !== undefined && !(compareTuple(clustering, tuple(range.lte)) <= 0)) return false;
  return true;
}
