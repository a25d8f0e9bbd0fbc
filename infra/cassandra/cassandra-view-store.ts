/**
 * The view-store port on Apache Cassandra, with the DataStax `cassandra-driver`.
 *
 * - Keyspace and tables come from `cassandraDdl` (schemas/cassandra.ts), run at start-up; every
 *   statement is `IF NOT EXISTS`, so a restart or a second instance is harmless. A table created
 *   before its row schema gained columns gets them added (schema-migration.ts).
 * - Every statement is prepared (the driver caches it per query text) and marked idempotent:
 *   our writes are upserts by primary key, so the driver may retry them after a timeout.
 * - An upsert binds every column of the table; a value left undefined is sent as *unset*, which
 *   leaves the stored cell as it is (`useUndefinedAsUnset`). Null would delete it, so rows are
 *   validated against the row schema first (row-validation.ts), all before any is written.
 * - Rows are grouped by partition and sent as unlogged batches of at most `maxBatchRows` rows of
 *   one partition: a single-partition batch is one mutation on one replica set, 2–3.7x the
 *   rows/s of single inserts here (bench/RESULTS.md), and draws no batch-size warning. Rows of
 *   different partitions never share a batch (that only moves coordination onto one node).
 * - One InFlightLimit per store bounds the write requests of all upsert calls together
 *   (`writesInFlight`, CASSANDRA_WRITES_IN_FLIGHT), so concurrent writers cannot flood the
 *   driver's queue or the server's mutation stage.
 * - `writeTime` is sent as `USING TIMESTAMP` (µs). Without it, the statements of one batch share
 *   the batch's client timestamp, on which Cassandra would resolve two rows with one key by value;
 *   so rows repeating a key within one call are merged first, the later row's columns winning, as
 *   consecutive writes would.
 * - Reads and writes use LOCAL_QUORUM, so on a cluster a read sees an acknowledged write.
 * - A lost server surfaces as a retryable BackendUnavailableError; the driver reconnects in the
 *   background with exponential backoff.
 */
import cassandra from 'cassandra-driver';
import {
  cassandraDdl,
  cqlColumns,
  TABLE_SPECS,
  type TableName,
  type TableSpec,
  tableSpec,
} from '../../schemas/cassandra.js';
import type { LogicalKind } from '../../schemas/columns.js';
import { BackendUnavailableError } from '../retry.js';
import { InFlightLimit } from './in-flight-limit.js';
import { validateRange, validateRows, validateUpsertOptions } from './row-validation.js';
import { addColumnStatements } from './schema-migration.js';
import type { ClusteringRange, UpsertOptions, ViewQuery, ViewRow, ViewStore } from './view-store.js';

const { Client, types, errors, policies } = cassandra;
type CassandraClient = InstanceType<typeof Client>;

/** Rows per single-partition batch: with 200 the fastest of 25/50/100/200 in bench/cassandra-writes.bench.ts, the smaller mutation. */
export const DEFAULT_MAX_BATCH_ROWS = 100;
export const DEFAULT_WRITES_IN_FLIGHT = 128;

export interface CassandraViewStoreOptions {
  /** `host` or `host:port` */
  contactPoints: string[];
  localDataCenter: string;
  keyspace: string;
  replicationFactor: number;
  /** Default TTL of the tables (the speed view's horizon). */
  defaultTtlSeconds: number;
  /** Process-wide bound on write requests in flight (CASSANDRA_WRITES_IN_FLIGHT). */
  writesInFlight?: number;
  /** Rows per unlogged single-partition batch; 1 sends single inserts. */
  maxBatchRows?: number;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
}

interface Column {
  name: string;
  kind: LogicalKind;
}

interface TableStatements {
  spec: TableSpec;
  columns: Column[];
  kinds: Map<string, LogicalKind>;
  /** by `${ttl ? 1 : 0}${writeTime ? 1 : 0}` */
  inserts: Map<string, string>;
  keyColumns: string[];
}

type Bound = keyof ClusteringRange;
const RANGE_OPERATORS: [Bound, string][] = [
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
];

/** Code value → CQL value; undefined stays undefined (sent as unset). */
export function toCql(kind: LogicalKind, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  switch (kind) {
    case 'timestamp':
      return new Date(value as number);
    case 'date':
      return localDate(value as string);
    case 'bigint':
      return types.Long.fromNumber(value as number);
    default:
      return value;
  }
}

/**
 * A day's LocalDate, kept for the days last asked: every row of a view carries its day, and
 * parsing it anew for each row was a visible share of the speed layer's time. The driver only
 * reads a LocalDate, so one can be shared.
 */
const localDates = new Map<string, InstanceType<typeof types.LocalDate>>();
function localDate(day: string): InstanceType<typeof types.LocalDate> {
  let date = localDates.get(day);
  if (!date) {
    date = types.LocalDate.fromString(day);
    if (localDates.size >= 64) localDates.clear();
    localDates.set(day, date);
  }
  return date;
}

/** CQL value → code value; null (no value) becomes undefined. */
export function fromCql(kind: LogicalKind, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  switch (kind) {
    case 'timestamp':
      return (value as Date).getTime();
    case 'date':
      return (value as InstanceType<typeof types.LocalDate>).toString();
    case 'bigint':
      return (value as InstanceType<typeof types.Long>).toNumber();
    default:
      return value;
  }
}

/** Connection loss, timeouts and overload: the caller may retry. Bad requests are not wrapped. */
function isTransient(error: unknown): boolean {
  if (error instanceof errors.NoHostAvailableError || error instanceof errors.OperationTimedOutError)
    return true;
  if (error instanceof errors.BusyConnectionError) return true;
  if (error instanceof errors.ResponseError) {
    const c = types.responseErrorCodes;
    return [
      c.unavailableException,
      c.overloaded,
      c.isBootstrapping,
      c.writeTimeout,
      c.readTimeout,
      c.truncateError,
    ].includes(error.code);
  }
  return false;
}

/** Rows grouped by partition (first-seen order), rows repeating a primary key merged. */
export function groupByPartition(
  spec: TableSpec,
  rows: readonly ViewRow[],
  mergeDuplicates: boolean,
): ViewRow[][] {
  const groups = new Map<string, Map<string, ViewRow> | ViewRow[]>();
  const clustering = spec.clustering.map((c) => c.column);
  for (const row of rows) {
    const partition = JSON.stringify(spec.partitionKey.map((c) => row[c]));
    if (mergeDuplicates) {
      const group = (groups.get(partition) as Map<string, ViewRow> | undefined) ?? new Map<string, ViewRow>();
      groups.set(partition, group);
      const key = JSON.stringify(clustering.map((c) => row[c]));
      const earlier = group.get(key);
      group.set(key, earlier ? { ...earlier, ...row } : row);
    } else {
      const group = (groups.get(partition) as ViewRow[] | undefined) ?? [];
      groups.set(partition, group);
      group.push(row);
    }
  }
  return [...groups.values()].map((group) => (Array.isArray(group) ? group : [...group.values()]));
}

export class CassandraViewStore implements ViewStore {
  private readonly statements = new Map<string, TableStatements>();
  private readonly writes: InFlightLimit;
  private readonly maxBatchRows: number;

  private constructor(
    private readonly client: CassandraClient,
    private readonly options: CassandraViewStoreOptions,
  ) {
    this.writes = new InFlightLimit(options.writesInFlight ?? DEFAULT_WRITES_IN_FLIGHT);
    this.maxBatchRows = options.maxBatchRows ?? DEFAULT_MAX_BATCH_ROWS;
    if (!Number.isInteger(this.maxBatchRows) || this.maxBatchRows < 1)
      throw new Error(`maxBatchRows must be a positive integer (got ${this.maxBatchRows})`);
  }

  /** Write requests in flight now, across all upsert calls (never above `writesInFlight`). */
  get writesInFlight(): number {
    return this.writes.inFlight;
  }

  /** Connects (one attempt: the caller owns retries) and returns a store; the schema is not touched. */
  static async connect(options: CassandraViewStoreOptions): Promise<CassandraViewStore> {
    const client = new Client({
      contactPoints: options.contactPoints,
      localDataCenter: options.localDataCenter,
      encoding: { useUndefinedAsUnset: true },
      queryOptions: { prepare: true, isIdempotent: true, consistency: types.consistencies.localQuorum },
      socketOptions: {
        connectTimeout: options.connectTimeoutMs ?? 5000,
        readTimeout: options.readTimeoutMs ?? 12_000,
      },
      policies: { reconnection: new policies.reconnection.ExponentialReconnectionPolicy(500, 10_000, false) },
      pooling: { heartBeatInterval: 5000 },
    });
    try {
      await client.connect();
    } catch (error) {
      await client.shutdown().catch(() => undefined);
      throw error;
    }
    return new CassandraViewStore(client, options);
  }

  private get keyspace(): string {
    return this.options.keyspace;
  }

  private wrap(operation: string, error: unknown): Error {
    return isTransient(error)
      ? new BackendUnavailableError('cassandra', operation, { cause: error })
      : (error as Error);
  }

  async ensureSchema(): Promise<void> {
    const ddl = cassandraDdl({
      keyspace: this.keyspace,
      replicationFactor: this.options.replicationFactor,
      ttlSeconds: this.options.defaultTtlSeconds,
    });
    try {
      for (const statement of ddl) {
        // DDL is not prepared; the driver waits for schema agreement after each statement.
        await this.client.execute(statement, [], { prepare: false });
      }
      for (const spec of TABLE_SPECS) {
        const result = await this.client.execute(
          'SELECT column_name, type FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?',
          [this.keyspace.toLowerCase(), spec.name],
          { prepare: true },
        );
        const existing = new Map<string, string>(
          result.rows.map((row) => [row.get('column_name') as string, row.get('type') as string]),
        );
        for (const statement of addColumnStatements(this.keyspace, spec, existing)) {
          await this.client.execute(statement, [], { prepare: false });
        }
      }
    } catch (error) {
      throw this.wrap('create schema', error);
    }
  }

  private table(name: TableName): TableStatements {
    let statements = this.statements.get(name);
    if (!statements) {
      const spec = tableSpec(name);
      const columns = cqlColumns(spec).map(({ name, kind }) => ({ name, kind }));
      const names = columns.map((c) => c.name).join(', ');
      const marks = columns.map(() => '?').join(', ');
      const insert = `INSERT INTO ${this.keyspace}.${spec.name} (${names}) VALUES (${marks})`;
      statements = {
        spec,
        columns,
        kinds: new Map(columns.map((c) => [c.name, c.kind])),
        inserts: new Map([
          ['00', insert],
          ['10', `${insert} USING TTL ?`],
          ['01', `${insert} USING TIMESTAMP ?`],
          ['11', `${insert} USING TTL ? AND TIMESTAMP ?`],
        ]),
        keyColumns: [...spec.partitionKey, ...spec.clustering.map((c) => c.column)],
      };
      this.statements.set(name, statements);
    }
    return statements;
  }

  async upsert(name: TableName, rows: ViewRow[], options: UpsertOptions = {}): Promise<void> {
    const table = this.table(name);
    validateUpsertOptions(table.spec, options);
    // Every row is checked before any is written, so a bad row leaves nothing behind.
    const checked = validateRows(table.spec, rows);
    const { ttlSeconds, writeTime } = options;
    const query = table.inserts.get(
      `${ttlSeconds === undefined ? 0 : 1}${writeTime === undefined ? 0 : 1}`,
    ) as string;
    const tail: unknown[] = [];
    if (ttlSeconds !== undefined) tail.push(ttlSeconds);
    if (writeTime !== undefined) tail.push(types.Long.fromNumber(writeTime * 1000));
    const paramsOf = (row: ViewRow) => [...table.columns.map((c) => toCql(c.kind, row[c.name])), ...tail];

    const requests: ViewRow[][] = [];
    for (const group of groupByPartition(table.spec, checked, writeTime === undefined)) {
      for (let i = 0; i < group.length; i += this.maxBatchRows) {
        requests.push(group.slice(i, i + this.maxBatchRows));
      }
    }
    let failure: unknown;
    await Promise.all(
      requests.map((chunk) =>
        this.writes.run(async () => {
          // After a failure the call is failing anyway; do not spend requests on the rest.
          if (failure !== undefined) return;
          try {
            if (chunk.length === 1) {
              await this.client.execute(query, paramsOf(chunk[0] as ViewRow), {
                prepare: true,
                isIdempotent: true,
              });
            } else {
              await this.client.batch(
                chunk.map((row) => ({ query, params: paramsOf(row) })),
                { prepare: true, logged: false, isIdempotent: true },
              );
            }
          } catch (error) {
            failure ??= error;
          }
        }),
      ),
    );
    // Rows already written stay written: an upsert batch is idempotent, the caller retries it whole.
    if (failure !== undefined) throw this.wrap(`upsert ${name}`, failure);
  }

  async query<R extends ViewRow = ViewRow>(name: TableName, query: ViewQuery): Promise<R[]> {
    const table = this.table(name);
    const { spec } = table;
    const where: string[] = [];
    const params: unknown[] = [];
    const kindOf = (column: string) => table.kinds.get(column) ?? 'text';
    for (const column of spec.partitionKey) {
      const value = query.partition[column];
      if (value === undefined || value === null)
        throw new Error(`query ${name}: partition key column ${column} is missing`);
      where.push(`${column} = ?`);
      params.push(toCql(kindOf(column), value));
    }
    validateRange(spec, query.range);
    if (query.range) {
      const bounds = RANGE_OPERATORS.filter(([bound]) => query.range?.[bound] !== undefined);
      // CQL refuses single-column and tuple relations side by side; write all as tuples then.
      const tuples = bounds.some(([bound]) => Array.isArray(query.range?.[bound]));
      for (const [bound, operator] of bounds) {
        const value = query.range[bound];
        const values = Array.isArray(value) ? value : [value];
        const columns = spec.clustering.slice(0, values.length).map((c) => c.column);
        if (tuples) {
          where.push(`(${columns.join(', ')}) ${operator} (${columns.map(() => '?').join(', ')})`);
        } else {
          where.push(`${columns[0]} ${operator} ?`);
        }
        values.forEach((v, i) => {
          params.push(toCql(kindOf(columns[i] as string), v));
        });
      }
    }
    const flip = (order: 'ASC' | 'DESC') => (order === 'ASC' ? 'DESC' : 'ASC');
    const orderBy =
      query.order === 'reversed'
        ? ` ORDER BY ${spec.clustering.map((c) => `${c.column} ${flip(c.order)}`).join(', ')}`
        : '';
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1)) {
      throw new Error(`query ${name}: limit must be a positive integer`);
    }
    // A bind marker, not a literal: one prepared statement serves every limit.
    const limit = query.limit === undefined ? '' : ' LIMIT ?';
    if (query.limit !== undefined) params.push(query.limit);
    const cql = `SELECT ${table.columns.map((c) => c.name).join(', ')} FROM ${this.keyspace}.${spec.name} WHERE ${where.join(' AND ')}${orderBy}${limit}`;

    const rows: R[] = [];
    let pageState: string | undefined;
    do {
      let result: cassandra.types.ResultSet;
      try {
        result = await this.client.execute(cql, params, {
          prepare: true,
          fetchSize: 1000,
          ...(pageState ? { pageState } : {}),
        });
      } catch (error) {
        throw this.wrap(`query ${name}`, error);
      }
      for (const row of result.rows) {
        const out: ViewRow = {};
        for (const c of table.columns) {
          const value = fromCql(c.kind, row.get(c.name));
          // The port: a column without a value is absent, never null.
          if (value !== undefined) out[c.name] = value;
        }
        rows.push(out as R);
      }
      pageState = result.pageState ?? undefined;
    } while (pageState);
    return rows;
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}
