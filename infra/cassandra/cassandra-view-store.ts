/**
 * The view-store port on Apache Cassandra, with the DataStax `cassandra-driver`.
 *
 * - Keyspace and tables come from `cassandraDdl` (schemas/cassandra.ts), run at start-up; every
 *   statement is `IF NOT EXISTS`, so a restart or a second instance is harmless.
 * - Every statement is prepared (the driver caches it per query text) and marked idempotent:
 *   our writes are upserts by primary key, so the driver may retry them after a timeout.
 * - An upsert binds every column of the table; a value left undefined is sent as *unset*, which
 *   leaves the stored cell as it is (`useUndefinedAsUnset`). Null would delete it.
 * - Writes of a batch run with bounded concurrency (`maxConcurrentWrites`) instead of a logged
 *   batch: rows of different partitions gain nothing from a batch, and a bound keeps the
 *   driver's queue and the server's mutation stage from flooding.
 * - Reads and writes use LOCAL_QUORUM, so on a cluster a read sees an acknowledged write.
 * - A lost server surfaces as a retryable BackendUnavailableError; the driver reconnects in the
 *   background with exponential backoff.
 */
import cassandra from 'cassandra-driver';
import {
  cassandraDdl,
  cqlColumns,
  type TableName,
  type TableSpec,
  tableSpec,
} from '../../schemas/cassandra.js';
import type { LogicalKind } from '../../schemas/columns.js';
import { BackendUnavailableError } from '../retry.js';
import type { ClusteringRange, UpsertOptions, ViewQuery, ViewRow, ViewStore } from './view-store.js';

const { Client, types, errors, policies } = cassandra;
type CassandraClient = InstanceType<typeof Client>;

export interface CassandraViewStoreOptions {
  /** `host` or `host:port` */
  contactPoints: string[];
  localDataCenter: string;
  keyspace: string;
  replicationFactor: number;
  /** Default TTL of the tables (the speed view's horizon). */
  defaultTtlSeconds: number;
  maxConcurrentWrites?: number;
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
  insert: string;
  insertWithTtl: string;
  keyColumns: string[];
}

const RANGE_OPERATORS: [keyof ClusteringRange, string][] = [
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
      return types.LocalDate.fromString(value as string);
    case 'bigint':
      return types.Long.fromNumber(value as number);
    default:
      return value;
  }
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

export class CassandraViewStore implements ViewStore {
  private readonly statements = new Map<string, TableStatements>();
  private readonly maxConcurrent: number;

  private constructor(
    private readonly client: CassandraClient,
    private readonly options: CassandraViewStoreOptions,
  ) {
    this.maxConcurrent = options.maxConcurrentWrites ?? 64;
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
    for (const statement of ddl) {
      try {
        // DDL is not prepared; the driver waits for schema agreement after each statement.
        await this.client.execute(statement, [], { prepare: false });
      } catch (error) {
        throw this.wrap('create schema', error);
      }
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
        insert,
        insertWithTtl: `${insert} USING TTL ?`,
        keyColumns: [...spec.partitionKey, ...spec.clustering.map((c) => c.column)],
      };
      this.statements.set(name, statements);
    }
    return statements;
  }

  async upsert(name: TableName, rows: ViewRow[], options: UpsertOptions = {}): Promise<void> {
    const table = this.table(name);
    if (
      options.ttlSeconds !== undefined &&
      (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 0)
    ) {
      throw new Error(`upsert ${name}: ttlSeconds must be a non-negative integer`);
    }
    // Check every row before writing any, so a bad row does not leave half a batch behind.
    for (const row of rows) {
      for (const column of table.keyColumns) {
        if (row[column] === undefined || row[column] === null) {
          throw new Error(`upsert ${name}: key column ${column} is missing`);
        }
      }
    }
    const query = options.ttlSeconds === undefined ? table.insert : table.insertWithTtl;
    const params = rows.map((row) => {
      const values = table.columns.map((c) => toCql(c.kind, row[c.name]));
      if (options.ttlSeconds !== undefined) values.push(options.ttlSeconds);
      return values;
    });
    let next = 0;
    let failure: unknown;
    const worker = async () => {
      while (failure === undefined && next < params.length) {
        const values = params[next++];
        try {
          await this.client.execute(query, values, { prepare: true, isIdempotent: true });
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.maxConcurrent, params.length) }, worker));
    // Rows already written stay written: an upsert batch is idempotent, the caller retries it whole.
    if (failure !== undefined) throw this.wrap(`upsert ${name}`, failure);
  }

  async query<R extends ViewRow = ViewRow>(name: TableName, query: ViewQuery): Promise<R[]> {
    const table = this.table(name);
    const { spec } = table;
    const where: string[] = [];
    const params: unknown[] = [];
    const kindOf = (column: string) => table.columns.find((c) => c.name === column)?.kind ?? 'text';
    for (const column of spec.partitionKey) {
      const value = query.partition[column];
      if (value === undefined || value === null)
        throw new Error(`query ${name}: partition key column ${column} is missing`);
      where.push(`${column} = ?`);
      params.push(toCql(kindOf(column), value));
    }
    const first = spec.clustering[0];
    if (first && query.range) {
      for (const [bound, operator] of RANGE_OPERATORS) {
        const value = query.range[bound];
        if (value === undefined) continue;
        where.push(`${first.column} ${operator} ?`);
        params.push(toCql(kindOf(first.column), value));
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
    const limit = query.limit === undefined ? '' : ` LIMIT ${query.limit}`;
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
