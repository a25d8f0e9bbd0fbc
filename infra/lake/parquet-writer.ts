/**
 * Rows to Parquet bytes for the lake: the row schema of schemas/rows.ts gives the Arrow schema
 * (schemas/lake.ts `arrowSchemaOf`), apache-arrow builds the columns, parquet-wasm (Rust's
 * `parquet` crate) encodes them. The writer was chosen over DuckDB by bench/parquet-writers.bench.ts
 * (see bench/RESULTS.md).
 *
 * Files: zstd, statistics per column chunk and page (min/max let DuckDB, Spark and pyarrow skip
 * row groups by event time), timestamps as TIMESTAMP(MILLIS, UTC), lists in the three-level LIST
 * layout every reader understands, and the Arrow schema in the footer so Arrow readers get the
 * exact types back.
 */
import {
  type DataType,
  Int64,
  makeData,
  makeVector,
  Table,
  tableToIPC,
  type Vector,
  vectorFromArray,
} from 'apache-arrow';
import {
  Compression,
  EnabledStatistics,
  Table as WasmTable,
  WriterPropertiesBuilder,
  WriterVersion,
  writeParquet,
} from 'parquet-wasm';
import type { Static, TSchema } from 'typebox';
import { type ColumnInfo, columnsOf } from '../../schemas/columns.js';
import { arrowSchemaOf } from '../../schemas/lake.js';

/**
 * Rows per row group. A bronze object holds up to BRONZE_MAX_ROWS (200,000) rows, so a full one
 * has a few row groups (a unit of parallel reading for DuckDB and Spark, each with its own
 * min/max) of a few MB each, while a small object stays one row group.
 */
export const ROW_GROUP_ROWS = 65_536;

const CREATED_BY = 'market-sentiment bronze writer (parquet-wasm)';

/** Parquet bytes of `rows`, typed by `rowSchema` (a schema built with `Column`). */
export function encodeParquet<S extends TSchema>(rowSchema: S, rows: readonly Static<S>[]): Uint8Array {
  const table = arrowTableOf(rowSchema, rows as readonly Record<string, unknown>[]);
  const properties = new WriterPropertiesBuilder()
    .setCompression(Compression.ZSTD)
    .setStatisticsEnabled(EnabledStatistics.Page)
    .setMaxRowGroupSize(ROW_GROUP_ROWS)
    // V1 data pages: Spark and older readers handle them everywhere; V2 gains little here.
    .setWriterVersion(WriterVersion.V1)
    .setCreatedBy(CREATED_BY)
    .build();
  // Both the wasm table and the properties are consumed (freed) by writeParquet.
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties);
}

/** The Arrow table of `rows`, column by column, in the schema's declaration order. */
export function arrowTableOf(rowSchema: TSchema, rows: readonly Record<string, unknown>[]): Table {
  const schema = arrowSchemaOf(rowSchema);
  const columns = columnsOf(rowSchema);
  const vectors: Record<string, Vector> = {};
  schema.fields.forEach((field, i) => {
    const column = columns[i] as ColumnInfo;
    vectors[field.name] = columnVector(column, field.type, rows);
  });
  return new Table(schema, vectors);
}

function columnVector(column: ColumnInfo, type: DataType, rows: readonly Record<string, unknown>[]): Vector {
  const { name, kind, nullable } = column;
  const values = new Array<unknown>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const value = (rows[r] as Record<string, unknown>)[name];
    if (value === undefined || value === null) {
      if (!nullable) throw new Error(`encodeParquet: row ${r} has no value for required column ${name}`);
      values[r] = null;
    } else {
      values[r] = value;
    }
  }
  if (kind === 'bigint' && !nullable) {
    // Arrow's Int64 builder wants bigint; a typed array built here skips the builder entirely.
    const data = new BigInt64Array(rows.length);
    for (let r = 0; r < values.length; r++) data[r] = BigInt(values[r] as number);
    return makeVector(makeData({ type: new Int64(), length: rows.length, data }));
  }
  if (kind === 'bigint') return vectorFromArray(values.map(toBigInt), type);
  if (kind === 'date') return vectorFromArray(values.map(toUtcDay), type);
  return vectorFromArray(values, type);
}

const toBigInt = (value: unknown): bigint | null => (value === null ? null : BigInt(value as number));

/** `YYYY-MM-DD` to the Date of its UTC midnight, what Arrow's DateDay builder takes. */
function toUtcDay(value: unknown): Date | null {
  if (value === null) return null;
  const day = new Date(`${value as string}T00:00:00Z`);
  if (Number.isNaN(day.getTime())) throw new Error(`encodeParquet: bad date ${JSON.stringify(value)}`);
  return day;
}
