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
  const table = arrowTableOf(rowSchema, rows as readonly Record<string, unknown>[]);
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
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')), properties);
}

/**
 * The Arrow table of `rows`, in the schema's declaration order. The columns' buffers are filled
 * directly (typed arrays, UTF-8 written into one buffer per column) rather than through Arrow's
 * per-value builders, which cost several times the Parquet encoding itself; and in one pass over
 * the rows, every column of a row at once: a pass per column read each of 100,000 rows thirteen
 * times from memory, a cache miss each time.
 */
export function arrowTableOf(rowSchema: TSchema, rows: readonly Record<string, unknown>[]): Table {
  const schema = arrowSchemaOf(rowSchema);
  const columns = columnsOf(rowSchema);
  const builders = schema.fields.map((field, i) =>
    columnBuilder(columns[i] as ColumnInfo, field.type, rows.length),
  );
  const names = columns.map((c) => c.name);
  const width = builders.length;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Record<string, unknown>;
    for (let c = 0; c < width; c++) (builders[c] as ColumnBuilder).add(r, row[names[c] as string]);
  }
  const vectors: Record<string, Vector> = {};
  schema.fields.forEach((field, i) => {
    vectors[field.name] = makeVector((builders[i] as ColumnBuilder).finish());
  });
  return new Table(schema, vectors);
}

/** Validity: which rows have a value (Arrow's bitmap, least significant bit first). */
class Validity {
  readonly bitmap: Uint8Array;
  nullCount = 0;
  constructor(length: number) {
    this.bitmap = new Uint8Array((length + 7) >> 3).fill(0xff);
  }
  setNull(r: number): void {
    this.bitmap[r >> 3] = (this.bitmap[r >> 3] as number) & ~(1 << (r & 7));
    this.nullCount++;
  }
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
  finish(): Data;
}

function columnBuilder(column: ColumnInfo, type: DataType, length: number): ColumnBuilder {
  const { name, kind, nullable } = column;
  const validity = new Validity(length);
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
  const nulls = () => ({
    nullCount: validity.nullCount,
    nullBitmap: validity.nullCount > 0 ? validity.bitmap : undefined,
  });

  switch (kind) {
    case 'text': {
      const text = new Utf8Column(length, length * 32);
      return {
        add(r, value) {
          if (!present(r, value)) text.pushEmpty();
          else if (typeof value === 'string') text.push(value);
          else bad(r, value);
        },
        finish: () =>
          makeData({
            type: type as Utf8,
            length,
            valueOffsets: text.offsets,
            data: text.data(),
            ...nulls(),
          }),
      };
    }
    case 'text-list': {
      const offsets = new Int32Array(length + 1);
      const elements = new Utf8Column(length, length * 8);
      let count = 0;
      return {
        add(r, value) {
          if (present(r, value)) {
            if (!Array.isArray(value)) bad(r, value);
            for (const element of value as unknown[]) {
              if (typeof element !== 'string') bad(r, value);
              elements.push(element as string);
              count++;
            }
          }
          offsets[r + 1] = count;
        },
        finish() {
          const listType = type as List<Utf8>;
          const child = makeData({
            type: listType.children[0]?.type as Utf8,
            length: count,
            valueOffsets: elements.offsets,
            data: elements.data(),
          });
          return makeData({ type: listType, length, valueOffsets: offsets, child, ...nulls() });
        },
      };
    }
    case 'double': {
      const data = new Float64Array(length);
      return {
        add(r, value) {
          if (typeof value === 'number') data[r] = value;
          else if (present(r, value)) bad(r, value);
        },
        finish: () => makeData({ type: type as Float64, length, data, ...nulls() }),
      };
    }
    case 'int': {
      const data = new Int32Array(length);
      return {
        add(r, value) {
          if (typeof value === 'number' && (value | 0) === value) data[r] = value;
          else if (present(r, value)) bad(r, value);
        },
        finish: () => makeData({ type: type as Int32, length, data, ...nulls() }),
      };
    }
    case 'bigint':
    case 'timestamp': {
      // Epoch ms and offsets are safe integers in code, int64 in Arrow and Parquet. Written as two
      // 32-bit halves (little-endian, as Arrow's buffers are): a BigInt per value is garbage.
      const data = new BigInt64Array(length);
      const low = new Uint32Array(data.buffer);
      const high = new Int32Array(data.buffer);
      return {
        add(r, value) {
          if (Number.isSafeInteger(value)) {
            const upper = Math.floor((value as number) / 4_294_967_296);
            low[2 * r] = (value as number) - upper * 4_294_967_296;
            high[2 * r + 1] = upper;
          } else if (present(r, value)) bad(r, value);
        },
        finish: () =>
          kind === 'bigint'
            ? makeData({ type: type as Int64, length, data, ...nulls() })
            : makeData({ type: type as Timestamp, length, data, ...nulls() }),
      };
    }
    case 'date': {
      // date32: days since the epoch of the UTC day `YYYY-MM-DD`.
      const data = new Int32Array(length);
      return {
        add(r, value) {
          if (!present(r, value)) return;
          const ms = typeof value === 'string' ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
          if (Number.isNaN(ms)) bad(r, value);
          data[r] = ms / DAY_MS;
        },
        finish: () => makeData({ type: type as DateDay, length, data, ...nulls() }),
      };
    }
    case 'boolean': {
      const data = new Uint8Array((length + 7) >> 3);
      return {
        add(r, value) {
          if (value === true) data[r >> 3] = (data[r >> 3] as number) | (1 << (r & 7));
          else if (value !== false && present(r, value)) bad(r, value);
        },
        finish: () => makeData({ type: type as Bool, length, data, ...nulls() }),
      };
    }
  }
}
