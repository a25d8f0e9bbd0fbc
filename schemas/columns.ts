/**
 * Column builders: TypeBox schemas annotated with a logical kind. One annotated object schema is
 * the single source for a row's TypeScript type, its JSON/OpenAPI schema, its Cassandra column
 * types and its Parquet column types (see cassandra.ts and lake.ts), so none is written twice.
 */
import Type, { type TSchema } from 'typebox';

export type LogicalKind =
  | 'text'
  | 'double'
  | 'bigint'
  | 'int'
  | 'boolean'
  | 'timestamp' // epoch ms in code, `timestamp` in CQL, timestamp[ms, UTC] in Parquet
  | 'date' // `YYYY-MM-DD` in code, `date` in CQL, date32 in Parquet
  | 'text-list';

const KIND = 'x-kind';

function kinded<T extends TSchema>(schema: T, kind: LogicalKind): T {
  (schema as Record<string, unknown>)[KIND] = kind;
  return schema;
}

export const Column = {
  text: (options: Record<string, unknown> = {}) => kinded(Type.String(options), 'text'),
  double: (options: Record<string, unknown> = {}) => kinded(Type.Number(options), 'double'),
  bigint: (options: Record<string, unknown> = {}) => kinded(Type.Integer(options), 'bigint'),
  int: (options: Record<string, unknown> = {}) => kinded(Type.Integer(options), 'int'),
  boolean: (options: Record<string, unknown> = {}) => kinded(Type.Boolean(options), 'boolean'),
  timestamp: (options: Record<string, unknown> = {}) =>
    kinded(Type.Integer({ description: 'epoch milliseconds, UTC', ...options }), 'timestamp'),
  date: (options: Record<string, unknown> = {}) =>
    kinded(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day', ...options }), 'date'),
  textList: (options: Record<string, unknown> = {}) =>
    kinded(Type.Array(Type.String(), options), 'text-list'),
  optional: <T extends TSchema>(schema: T) => Type.Optional(schema),
};

export interface ColumnInfo {
  name: string;
  kind: LogicalKind;
  nullable: boolean;
}

/** The columns of an object schema built with `Column`, in declaration order. */
export function columnsOf(schema: TSchema): ColumnInfo[] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!properties) throw new Error('columnsOf: not an object schema');
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const kind = (property as Record<string, unknown>)[KIND] as LogicalKind | undefined;
    if (!kind) throw new Error(`columnsOf: column ${name} has no logical kind; build it with Column.*`);
    return { name, kind, nullable: !required.has(name) };
  });
}
