/**
 * Brings an existing table up to its row schema: a column the schema has and the table lacks is
 * added (`ALTER TABLE … ADD IF NOT EXISTS`, so two instances starting together are harmless). A
 * column whose type differs cannot be changed in place; that is an error naming it. Columns the
 * table has beyond the schema are left alone (dropping data is not a start-up decision).
 */
import { cqlColumns, type TableSpec } from '../../schemas/cassandra.js';

/** `existing`: column name → CQL type, as system_schema.columns reports them. */
export function addColumnStatements(
  keyspace: string,
  spec: TableSpec,
  existing: ReadonlyMap<string, string>,
): string[] {
  const statements: string[] = [];
  for (const column of cqlColumns(spec)) {
    const type = existing.get(column.name);
    if (type === undefined) {
      statements.push(
        `ALTER TABLE ${keyspace}.${spec.name} ADD IF NOT EXISTS ${column.name} ${column.cqlType}`,
      );
    } else if (type !== column.cqlType) {
      throw new Error(
        `${keyspace}.${spec.name}: column ${column.name} is ${type} in Cassandra but ${column.cqlType} in the row schema; migrate it by hand`,
      );
    }
  }
  return statements;
}
