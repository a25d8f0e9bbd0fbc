/**
 * The Cassandra speed views (keyspace `sentiment` by default). Table specs name the keys; column
 * types derive from the row schemas, and the DDL derives from the specs. Partitions are bounded
 * by (symbol, day); rows expire by TTL once the batch layer covers them.
 */
import type { TSchema } from 'typebox';
import { AlertRowSchema } from './alerts.js';
import { type ColumnInfo, columnsOf, type LogicalKind } from './columns.js';
import { SentimentMinuteRowSchema, TickRowSchema, TweetBySymbolRowSchema } from './rows.js';

export interface ClusteringColumn {
  column: string;
  order: 'ASC' | 'DESC';
}

export interface TableSpec {
  name: string;
  schema: TSchema;
  partitionKey: string[];
  clustering: ClusteringColumn[];
  /** Append-only time series compact best by time window; upserted tables use the default. */
  appendOnly: boolean;
}

export const TABLES = {
  tweetsBySymbol: {
    name: 'tweets_by_symbol',
    schema: TweetBySymbolRowSchema,
    partitionKey: ['symbol', 'day'],
    clustering: [
      { column: 'created_at', order: 'DESC' },
      { column: 'id', order: 'ASC' },
    ],
    appendOnly: true,
  },
  marketData: {
    name: 'market_data',
    schema: TickRowSchema,
    partitionKey: ['symbol', 'day'],
    clustering: [{ column: 'trade_timestamp', order: 'DESC' }],
    appendOnly: true,
  },
  sentimentByMinute: {
    name: 'sentiment_by_minute',
    schema: SentimentMinuteRowSchema,
    partitionKey: ['symbol', 'day'],
    clustering: [{ column: 'minute', order: 'DESC' }],
    appendOnly: false,
  },
  /** Written with no expiry (ttlSeconds 0): the batch layer does not recompute alerts. */
  alertsBySymbol: {
    name: 'alerts_by_symbol',
    schema: AlertRowSchema,
    partitionKey: ['symbol', 'day'],
    clustering: [
      { column: 'opened_at', order: 'DESC' },
      { column: 'rule', order: 'ASC' },
    ],
    appendOnly: false,
  },
} as const satisfies Record<string, TableSpec>;

export type TableName = (typeof TABLES)[keyof typeof TABLES]['name'];
export const TABLE_SPECS: readonly TableSpec[] = Object.values(TABLES);

export function tableSpec(name: string): TableSpec {
  const spec = TABLE_SPECS.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown view table ${name}`);
  return spec;
}

const CQL_TYPE: Record<LogicalKind, string> = {
  text: 'text',
  double: 'double',
  bigint: 'bigint',
  int: 'int',
  boolean: 'boolean',
  timestamp: 'timestamp',
  date: 'date',
  'text-list': 'list<text>',
};

export function cqlColumns(spec: TableSpec): (ColumnInfo & { cqlType: string })[] {
  return columnsOf(spec.schema).map((c) => ({ ...c, cqlType: CQL_TYPE[c.kind] }));
}

export interface KeyspaceOptions {
  keyspace: string;
  replicationFactor: number;
  ttlSeconds: number;
}

/** Idempotent DDL, in the order it must run. */
export function cassandraDdl({ keyspace, replicationFactor, ttlSeconds }: KeyspaceOptions): string[] {
  const statements = [
    `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`,
  ];
  for (const spec of TABLE_SPECS) {
    const columns = cqlColumns(spec)
      .map((c) => `  ${c.name} ${c.cqlType}`)
      .join(',\n');
    const primaryKey = `((${spec.partitionKey.join(', ')}), ${spec.clustering.map((c) => c.column).join(', ')})`;
    const order = spec.clustering.map((c) => `${c.column} ${c.order}`).join(', ');
    const compaction = spec.appendOnly
      ? `\n  AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS', 'compaction_window_size': 6}`
      : '';
    statements.push(
      `CREATE TABLE IF NOT EXISTS ${keyspace}.${spec.name} (\n${columns},\n  PRIMARY KEY ${primaryKey}\n) WITH CLUSTERING ORDER BY (${order})\n  AND default_time_to_live = ${ttlSeconds}${compaction}`,
    );
  }
  return statements;
}
