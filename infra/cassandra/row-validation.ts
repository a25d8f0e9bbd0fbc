/**
 * Checks what goes into a view before anything is written, identically for the stand-in and the
 * real adapter: rows against the table's row schema (compiled once per table with TypeBox; the
 * key columns are required, the others may be left out), range bounds against the clustering
 * columns, and the upsert options. Errors name the table, the column and the reason.
 */
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { cqlColumns, type TableSpec } from '../../schemas/cassandra.js';
import type { LogicalKind } from '../../schemas/columns.js';
import type { ClusteringBound, ClusteringRange, UpsertOptions, ViewRow } from './view-store.js';

export class InvalidRowError extends Error {
  constructor(
    readonly table: string,
    readonly column: string,
    readonly reason: string,
    readonly rowIndex?: number,
  ) {
    super(`${table}${rowIndex === undefined ? '' : ` row ${rowIndex}`}: column ${column} ${reason}`);
    this.name = 'InvalidRowError';
  }
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

interface TableChecks {
  check: (row: unknown) => boolean;
  errors: (row: unknown) => Iterable<SchemaError>;
  kinds: Map<string, LogicalKind>;
  columnChecks: Map<string, (value: unknown) => boolean>;
}

const compiled = new Map<string, TableChecks>();

function checksOf(spec: TableSpec): TableChecks {
  let checks = compiled.get(spec.name);
  if (!checks) {
    // Only the primary key is required: an upsert may carry any subset of the other columns
    // (CQL writes just those cells), as stage 2 does when it adds a tweet's price to its row.
    const keyColumns = [...spec.partitionKey, ...spec.clustering.map((c) => c.column)];
    const validator = Compile({ ...spec.schema, required: keyColumns } as TSchema);
    const properties = (spec.schema as { properties: Record<string, TSchema> }).properties;
    const columnChecks = new Map<string, (value: unknown) => boolean>();
    for (const { column } of spec.clustering) {
      const columnValidator = Compile(properties[column] as TSchema);
      columnChecks.set(column, (value) => columnValidator.Check(value));
    }
    checks = {
      check: (row) => validator.Check(row),
      errors: (row) => validator.Errors(row) as Iterable<SchemaError>,
      kinds: new Map(cqlColumns(spec).map((c) => [c.name, c.kind])),
      columnChecks,
    };
    compiled.set(spec.name, checks);
  }
  return checks;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}

function reasonOf(error: SchemaError, row: ViewRow): { column: string; reason: string } {
  if (error.keyword === 'required') {
    const required = (error.params.requiredProperties as string[] | undefined) ?? [];
    const column = required.find((c) => row[c] === undefined) ?? required[0] ?? '$';
    return { column, reason: 'is missing (the row schema requires it)' };
  }
  const column = error.instancePath.split('/')[1] ?? '$';
  return { column, reason: `${error.message} (got ${describe(row[column])})` };
}

/**
 * The rows as they will be written, with undefined columns dropped (undefined leaves the stored
 * cell as it is), or an InvalidRowError for the first bad row; nothing is written in that case.
 */
export function validateRows(spec: TableSpec, rows: readonly ViewRow[]): ViewRow[] {
  const checks = checksOf(spec);
  return rows.map((row, index) => {
    const defined: ViewRow = {};
    // for-in, not Object.entries: an array per column of every row was a visible share of the
    // speed layer's garbage.
    for (const column in row) {
      if (!Object.hasOwn(row, column)) continue;
      const value = row[column];
      if (value === undefined) continue;
      if (!checks.kinds.has(column)) {
        throw new InvalidRowError(spec.name, column, 'is not a column of the table', index);
      }
      if (value === null) {
        // Null would delete the stored cell in CQL; the port says absent, never null.
        throw new InvalidRowError(
          spec.name,
          column,
          'is null: leave it undefined to keep the stored value',
          index,
        );
      }
      defined[column] = value;
    }
    if (!checks.check(defined)) {
      const [first] = checks.errors(defined);
      const { column, reason } = first
        ? reasonOf(first, defined)
        : { column: '$', reason: 'does not match the row schema' };
      throw new InvalidRowError(spec.name, column, reason, index);
    }
    return defined;
  });
}

const asTuple = (bound: ClusteringBound): readonly unknown[] => (Array.isArray(bound) ? bound : [bound]);

/** Refuses what Cassandra refuses: two lower or two upper bounds, over-long or mistyped tuples. */
export function validateRange(spec: TableSpec, range: ClusteringRange | undefined): void {
  if (!range) return;
  if (range.gt !== undefined && range.gte !== undefined)
    throw new InvalidRowError(
      spec.name,
      spec.clustering[0]?.column ?? '$',
      'has two lower bounds (gt and gte)',
    );
  if (range.lt !== undefined && range.lte !== undefined)
    throw new InvalidRowError(
      spec.name,
      spec.clustering[0]?.column ?? '$',
      'has two upper bounds (lt and lte)',
    );
  const checks = checksOf(spec);
  for (const bound of [range.gt, range.gte, range.lt, range.lte]) {
    if (bound === undefined) continue;
    const tuple = asTuple(bound);
    if (tuple.length === 0 || tuple.length > spec.clustering.length) {
      throw new InvalidRowError(
        spec.name,
        spec.clustering.map((c) => c.column).join(', '),
        `bound must name 1..${spec.clustering.length} clustering values (got ${tuple.length})`,
      );
    }
    tuple.forEach((value, i) => {
      const column = (spec.clustering[i] as { column: string }).column;
      if (!(checks.columnChecks.get(column) as (v: unknown) => boolean)(value)) {
        throw new InvalidRowError(spec.name, column, `bound is not a valid value (got ${describe(value)})`);
      }
    });
  }
}

export function validateUpsertOptions(spec: TableSpec, options: UpsertOptions): void {
  const { ttlSeconds, writeTime } = options;
  if (ttlSeconds !== undefined && (!Number.isInteger(ttlSeconds) || ttlSeconds < 0)) {
    throw new Error(`upsert ${spec.name}: ttlSeconds must be a non-negative integer (got ${ttlSeconds})`);
  }
  // Microseconds must stay exact in a double and fit CQL's bigint.
  if (
    writeTime !== undefined &&
    (!Number.isSafeInteger(writeTime) || !Number.isSafeInteger(writeTime * 1000) || writeTime < 0)
  ) {
    throw new Error(`upsert ${spec.name}: writeTime must be epoch milliseconds (got ${writeTime})`);
  }
}

export function kindOf(spec: TableSpec, column: string): LogicalKind {
  const kind = checksOf(spec).kinds.get(column);
  if (!kind) throw new Error(`${spec.name}: unknown column ${column}`);
  return kind;
}
