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
  type Bool,
  type Data,
  type DataType,
  type DateDay,
  type Float64,
  type Int32,
  type Int64,
  type List,
  makeData,
  makeVector,
  Table,
  type Timestamp,
  tableToIPC,
  type Utf8,
  type Vector,
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
import { DAY_MS } from '../../schemas/time.js';

/**
 * Rows per row group. A bronze object holds up to BRONZE_MAX_ROWS (200,000) rows, so a full one
 * has a few row groups (a unit of parallel reading for DuckDB and Spark, each with its own
 * min/max) of a few MB each, while a small object stays one row group.
 */
export const ROW_GROUP_ROWS = 65_536;

/** Parquet bytes of `rows`, typed by `rowSchema` (a schema built with `Column`). */
export function encodeParquet<S extends TSchema>(rowSchema: S, rows: readonly Static<S>[]): Uint8Array {
  const columns = new ParquetRows(rowSchema, rows.length);
  for (const row of rows) columns.push(row);
  return columns.encode();
}

/**
 * Rows kept as the columns of their Parquet file, filled as each row arrives: an open bronze
 * object holds up to 200,000 rows for minutes, and as objects (with their strings) every one of
 * them would be copied by the garbage collector as it ages, then read again to build the columns.
 * The buffers are filled directly (typed arrays, UTF-8 written into one buffer per column) rather
 * than through Arrow's per-value builders, which cost several times the Parquet encoding itself.
 */
export class ParquetRows<S extends TSchema> {
  private readonly builders: ColumnBuilder[];
  private readonly fill: (builders: ColumnBuilder[], row: Record<string, unknown>, r: number) => void;
  private count = 0;
  /** A row that failed half-way leaves some columns a value ahead: nothing is encoded after it. */
  private failed: Error | undefined;

  constructor(
    private readonly rowSchema: S,
    expectedRows = 1024,
  ) {
    const schema = arrowSchemaOf(rowSchema);
    const columns = columnsOf(rowSchema);
    this.fill = rowFiller(columns.map((c) => c.name));
    const capacity = Math.max(expectedRows, 16);
    this.builders = schema.fields.map((field, i) =>
      columnBuilder(columns[i] as ColumnInfo, field.type, capacity),
    );
  }

  get length(): number {
    return this.count;
  }

  /** Appends a row; throws, naming the row and column, on a value its column cannot hold. */
  push(row: Static<S>): void {
    if (this.failed) throw this.failed;
    const r = this.count;
    try {
      this.fill(this.builders, row as Record<string, unknown>, r);
    } catch (error) {
      this.failed = error as Error;
      throw error;
    }
    this.count = r + 1;
  }

  /** The rows as an Arrow table, in the schema's declaration order. */
  table(): Table {
    if (this.failed) throw this.failed;
    const schema = arrowSchemaOf(this.rowSchema);
    const vectors: Record<string, Vector> = {};
    schema.fields.forEach((field, i) => {
      vectors[field.name] = makeVector((this.builders[i] as ColumnBuilder).finish(this.count));
    });
    return new Table(schema, vectors);
  }

  /** The rows as a Parquet file. */
  encode(): Uint8Array {
    const properties = new WriterPropertiesBuilder()
      .setCompression(Compression.ZSTD)
      .setStatisticsEnabled(EnabledStatistics.Page)
      .setMaxRowGroupSize(ROW_GROUP_ROWS)
      // V1 data pages: Spark and older readers handle them everywhere; V2 gains little here.
      .setWriterVersion(WriterVersion.V1)
      // created_by stays parquet-rs's own "parquet-rs version x.y.z": parquet-mr (Spark, Hive)
      // ignores the min/max of string columns from a writer whose created_by it cannot parse.
      .build();
    // Both the wasm table and the properties are consumed (freed) by writeParquet.
    return writeParquet(WasmTable.fromIPCStream(tableToIPC(this.table(), 'stream')), properties);
  }
}

/** The Arrow table of `rows`, in the schema's declaration order. */
export function arrowTableOf(rowSchema: TSchema, rows: readonly Record<string, unknown>[]): Table {
  const columns = new ParquetRows(rowSchema, rows.length);
  for (const row of rows) columns.push(row);
  return columns.table();
}

/** A typed array with room for at least `need` elements: itself, or a copy twice as long. */
function withRoom<T extends Float64Array | Int32Array | BigInt64Array | Uint8Array>(
  array: T,
  need: number,
): T {
  if (need <= array.length) return array;
  const grown = new (array.constructor as new (n: number) => T)(Math.max(need, array.length * 2));
  grown.set(array as never);
  return grown;
}

/** Validity: which rows have a value (Arrow's bitmap, least significant bit first). */
class Validity {
  /** Allocated at the first null: most columns have none. */
  private bits: Uint8Array | undefined;
  nullCount = 0;
  setNull(r: number): void {
    const need = (r >> 3) + 1;
    if (!this.bits || need > this.bits.length) {
      const grown = new Uint8Array(Math.max(need, (this.bits?.length ?? 64) * 2)).fill(0xff);
      if (this.bits) grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[r >> 3] = (this.bits[r >> 3] as number) & ~(1 << (r & 7));
    this.nullCount++;
  }
  /** The bitmap of the first `length` rows (undefined: no null). */
  bitmap(length: number): Uint8Array | undefined {
    if (!this.bits) return undefined;
    const bytes = (length + 7) >> 3;
    if (this.bits.length >= bytes) return this.bits.subarray(0, bytes);
    const all = new Uint8Array(bytes).fill(0xff);
    all.set(this.bits);
    return all;
  }
}

/**
 * A function that hands each column of a row to its builder, written out for the schema's
 * columns (as TypeBox compiles its checks): each property read and each builder call is then a
 * site of its own that sees one shape and one target, where a loop over the columns made every
 * read a keyed lookup and every call a dispatch on thirteen targets. Column names are quoted with
 * JSON.stringify, so no name can be read as code.
 */
function rowFiller(
  names: readonly string[],
): (builders: ColumnBuilder[], row: Record<string, unknown>, r: number) => void {
  const body = names.map((name, c) => `builders[${c}].add(r, row[${JSON.stringify(name)}]);`).join('\n');
  return new Function('builders', 'row', 'r', body) as (
    builders: ColumnBuilder[],
    row: Record<string, unknown>,
    r: number,
  ) => void;
}

/** UTF-8 bytes of many strings, back to back, with Arrow's int32 offsets; both grow as needed. */
class Utf8Column {
  private bytes: Buffer;
  private size = 0;
  private offsetBuffer: Int32Array;
  private count = 0;

  constructor(expectedCount: number, expectedBytes: number) {
    this.offsetBuffer = new Int32Array(Math.max(expectedCount, 16) + 1);
    this.bytes = Buffer.allocUnsafe(Math.max(expectedBytes, 1024));
  }

  push(text: string): void {
    // A UTF-16 unit becomes at most 3 UTF-8 bytes.
    const need = this.size + text.length * 3;
    if (need > this.bytes.length) {
      if (need > 0x7fff_ffff) throw new Error('encodeParquet: a text column passed 2 GiB in one object');
      const grown = Buffer.allocUnsafe(Math.min(Math.max(need, this.bytes.length * 2), 0x7fff_ffff));
      this.bytes.copy(grown, 0, 0, this.size);
      this.bytes = grown;
    }
    // Short ASCII (ids, labels, cashtags) is copied in JS: cheaper than a call into the runtime.
    if (text.length <= 32) {
      const bytes = this.bytes;
      const at = this.size;
      let i = 0;
      while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i] = c;
        i++;
      }
      if (i === text.length) {
        this.size += i;
        this.pushOffset();
        return;
      }
    }
    this.size += this.bytes.write(text, this.size, 'utf8');
    this.pushOffset();
  }

  /** An empty entry (a null's slot). */
  pushEmpty(): void {
    this.pushOffset();
  }

  get offsets(): Int32Array {
    return this.offsetBuffer.subarray(0, this.count + 1);
  }

  data(): Uint8Array {
    return this.bytes.subarray(0, this.size);
  }

  private pushOffset(): void {
    if (this.count + 1 >= this.offsetBuffer.length) {
      const grown = new Int32Array(this.offsetBuffer.length * 2);
      grown.set(this.offsetBuffer);
      this.offsetBuffer = grown;
    }
    this.offsetBuffer[++this.count] = this.size;
  }
}

/** One column's buffers, filled a row at a time. */
interface ColumnBuilder {
  /** The value of row `r` (rows come in order, each once). */
  add(r: number, value: unknown): void;
  /** The column of the first `length` rows. */
  finish(length: number): Data;
}

function columnBuilder(column: ColumnInfo, type: DataType, capacity: number): ColumnBuilder {
  const { name, kind, nullable } = column;
  const validity = new Validity();
  /** The value, or undefined for a null (noted), or a throw for a required column. */
  const present = (r: number, value: unknown): boolean => {
    if (value !== undefined && value !== null) return true;
    if (!nullable) throw new Error(`encodeParquet: row ${r} has no value for required column ${name}`);
    validity.setNull(r);
    return false;
  };
  const bad = (r: number, value: unknown): never => {
    throw new Error(`encodeParquet: row ${r}, column ${name} (${kind}): bad value ${JSON.stringify(value)}`);
  };
  const nulls = (length: number) => ({ nullCount: validity.nullCount, nullBitmap: validity.bitmap(length) });

  switch (kind) {
    case 'text': {
      const text = new Utf8Column(capacity, capacity * 32);
      return {
        add(r, value) {
          if (typeof value === 'string') text.push(value);
          else if (!present(r, value)) text.pushEmpty();
          else bad(r, value);
        },
        finish: (length) =>
          makeData({
            type: type as Utf8,
            length,
            valueOffsets: text.offsets,
            data: text.data(),
            ...nulls(length),
          }),
      };
    }
    case 'text-list': {
      let offsets = new Int32Array(capacity + 1);
      const elements = new Utf8Column(capacity, capacity * 8);
      let count = 0;
      return {
        add(r, value) {
          if (Array.isArray(value) || present(r, value)) {
            if (!Array.isArray(value)) bad(r, value);
            for (const element of value as unknown[]) {
              if (typeof element !== 'string') bad(r, value);
              elements.push(element as string);
              count++;
            }
          }
          offsets = withRoom(offsets, r + 2);
          offsets[r + 1] = count;
        },
        finish(length) {
          const listType = type as List<Utf8>;
          const child = makeData({
            type: listType.children[0]?.type as Utf8,
            length: count,
            valueOffsets: elements.offsets,
            data: elements.data(),
          });
          return makeData({
            type: listType,
            length,
            valueOffsets: offsets.subarray(0, length + 1),
            child,
            ...nulls(length),
          });
        },
      };
    }
    case 'double': {
      let data = new Float64Array(capacity);
      return {
        add(r, value) {
          if (r >= data.length) data = withRoom(data, r + 1);
          if (typeof value === 'number') data[r] = value;
          else if (present(r, value)) bad(r, value);
        },
        finish: (length) =>
          makeData({ type: type as Float64, length, data: data.subarray(0, length), ...nulls(length) }),
      };
    }
    case 'int': {
      let data = new Int32Array(capacity);
      return {
        add(r, value) {
          if (r >= data.length) data = withRoom(data, r + 1);
          if (typeof value === 'number' && (value | 0) === value) data[r] = value;
          else if (present(r, value)) bad(r, value);
        },
        finish: (length) =>
          makeData({ type: type as Int32, length, data: data.subarray(0, length), ...nulls(length) }),
      };
    }
    case 'bigint':
    case 'timestamp': {
      // Epoch ms and offsets are safe integers in code, int64 in Arrow and Parquet. Written as two
      // 32-bit halves (little-endian, as Arrow's buffers are): a BigInt per value is garbage.
      let data = new BigInt64Array(capacity);
      let low = new Uint32Array(data.buffer);
      let high = new Int32Array(data.buffer);
      return {
        add(r, value) {
          if (r >= data.length) {
            data = withRoom(data, r + 1);
            low = new Uint32Array(data.buffer);
            high = new Int32Array(data.buffer);
          }
          if (Number.isSafeInteger(value)) {
            const upper = Math.floor((value as number) / 4_294_967_296);
            low[2 * r] = (value as number) - upper * 4_294_967_296;
            high[2 * r + 1] = upper;
          } else if (present(r, value)) bad(r, value);
        },
        finish: (length) =>
          kind === 'bigint'
            ? makeData({ type: type as Int64, length, data: data.subarray(0, length), ...nulls(length) })
            : makeData({ type: type as Timestamp, length, data: data.subarray(0, length), ...nulls(length) }),
      };
    }
    case 'date': {
      // date32: days since the epoch of the UTC day `YYYY-MM-DD`.
      let data = new Int32Array(capacity);
      return {
        add(r, value) {
          if (r >= data.length) data = withRoom(data, r + 1);
          if (!present(r, value)) return;
          const ms = typeof value === 'string' ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
          if (Number.isNaN(ms)) bad(r, value);
          data[r] = ms / DAY_MS;
        },
        finish: (length) =>
          makeData({ type: type as DateDay, length, data: data.subarray(0, length), ...nulls(length) }),
      };
    }
    case 'boolean': {
      let data = new Uint8Array((capacity + 7) >> 3);
      return {
        add(r, value) {
          if (r >> 3 >= data.length) data = withRoom(data, (r >> 3) + 1);
          if (value === true) data[r >> 3] = (data[r >> 3] as number) | (1 << (r & 7));
          else if (value !== false && present(r, value)) bad(r, value);
        },
        finish: (length) =>
          makeData({
            type: type as Bool,
            length,
            data: data.subarray(0, (length + 7) >> 3),
            ...nulls(length),
          }),
      };
    }
  }
}
