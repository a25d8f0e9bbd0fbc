/**
 * The DuckDB engine: bronze files loaded into in-memory tables, the models run as views and
 * tables, each gold partition written with COPY to a local Parquet file.
 *
 * Determinism (the same bronze gives byte-identical gold): one thread, so floating-point sums
 * add in one order; every COPY orders by all its columns; the writer's settings are fixed.
 */

import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { LogicalKind } from '../schemas/columns.js';
import { goldObjectKey } from '../schemas/lake.js';
import type { BronzeSource } from './bronze-sources.js';
import { type Dialect, duckdbDialect, expandMacro } from './dialect.js';
import type { BatchEngine, InputError, LocalPartition, SourceFile } from './engine.js';
import { goldTableObjectKey } from './gold-keys.js';
import { renderTemplate } from './model-template.js';
import type { Model } from './models.js';

const DUCKDB_TYPE: Record<LogicalKind, string> = {
  text: 'VARCHAR',
  double: 'DOUBLE',
  bigint: 'BIGINT',
  int: 'INTEGER',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP WITH TIME ZONE',
  date: 'DATE',
  'text-list': 'VARCHAR[]',
};

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class DuckDbEngine implements BatchEngine {
  readonly dialect: Dialect = duckdbDialect;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new DuckDbEngine(instance, connection);
  }

  async loadSource(
    source: BronzeSource,
    files: readonly SourceFile[],
  ): Promise<{ rows: number; errors: InputError[] }> {
    const types = new Map(source.columns.map((c) => [c.name, DUCKDB_TYPE[c.kind]]));
    const columns = source.loaded.map((n) => `${identifier(n)} ${types.get(n)}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TABLE ${identifier(source.name)} (${columns})`);
    const errors: InputError[] = [];
    for (const file of files) {
      const problem = await this.schemaProblem(source, file.path);
      if (problem) {
        errors.push({ key: file.key, message: problem });
        continue;
      }
      const list = source.loaded.map(identifier).join(', ');
      try {
        // One statement per object: a corrupt page fails (and rolls back) only its own object.
        await this.connection.run(
          `INSERT INTO ${identifier(source.name)} SELECT ${list} FROM read_parquet(${literal(file.path)})`,
        );
      } catch (error) {
        errors.push({ key: file.key, message: `unreadable: ${firstLine(error)}` });
      }
    }
    const result = await this.connection.runAndReadAll(
      `SELECT count(*) AS n FROM ${identifier(source.name)}`,
    );
    return { rows: Number(result.getRowObjectsJS()[0]?.n ?? 0), errors };
  }

  /** Why the object cannot be read as `source`: not Parquet, or a column missing or typed otherwise. */
  private async schemaProblem(source: BronzeSource, path: string): Promise<string | undefined> {
    let described: Map<string, string>;
    try {
      const result = await this.connection.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet(${literal(path)})`,
      );
      described = new Map(
        result.getRowObjectsJS().map((r) => [String(r.column_name), String(r.column_type)]),
      );
    } catch (error) {
      return `unreadable: ${firstLine(error)}`;
    }
    const wrong: string[] = [];
    for (const c of source.columns) {
      const found = described.get(c.name);
      if (found === undefined) wrong.push(`${c.name} missing`);
      else if (found !== DUCKDB_TYPE[c.kind])
        wrong.push(`${c.name} is ${found}, expected ${DUCKDB_TYPE[c.kind]}`);
    }
    // Columns beyond the schema (a newer producer) are fine: only the schema's are loaded.
    return wrong.length > 0 ? `schema mismatch: ${wrong.join('; ')}` : undefined;
  }

  async build(model: Model): Promise<void> {
    const sql = renderTemplate(model.parts, (call) => {
      if (call.name === 'config') return '';
      if (call.name === 'ref' || call.name === 'source') return identifier(String(call.args[0]));
      return expandMacro(this.dialect, call);
    });
    // Staging models are read by several others: DuckDB would inline a view into each (the tweet
    // de-duplication ran once per reader), so they are kept as temporary tables instead.
    const kind = model.materialized === 'view' ? 'TEMP TABLE' : 'TABLE';
    try {
      await this.connection.run(`CREATE OR REPLACE ${kind} ${identifier(model.name)} AS ${sql}`);
    } catch (error) {
      throw new Error(`model ${model.name} (${model.path}): ${firstLine(error)}`);
    }
  }

  async writePartitions(model: Model, days: readonly string[], outDir: string): Promise<LocalPartition[]> {
    const table = identifier(model.name);
    const described = await this.connection.runAndReadAll(`DESCRIBE ${table}`);
    const columnTypes = described.getRowObjectsJS();
    const allColumns = columnTypes.map((r) => String(r.column_name));
    const naiveTimes = new Set(
      columnTypes.filter((r) => r.column_type === 'TIMESTAMP').map((r) => String(r.column_name)),
    );
    const written: LocalPartition[] = [];
    const targets: { day?: string; where: string; key: string }[] = model.partitionBy
      ? days.map((day) => ({
          day,
          where: `WHERE ${identifier(model.partitionBy as string)} = DATE ${literal(day)}`,
          key: goldObjectKey(model.name, day),
        }))
      : [{ where: '', key: goldTableObjectKey(model.name) }];
    for (const target of targets) {
      // The partition column lives in the path (Hive style), not in the file.
      let columns = allColumns.filter((c) => c !== model.partitionBy);
      const counts = await this.connection.runAndReadAll(
        `SELECT count(*) AS n${columns.map((c, i) => `, count(${identifier(c)}) AS c${i}`).join('')} FROM ${table} ${target.where}`,
      );
      const row = counts.getRowObjectsJS()[0] ?? {};
      const rows = Number(row.n ?? 0);
      if (rows === 0) continue;
      if (model.dropEmptyColumns) columns = columns.filter((_, i) => Number(row[`c${i}`]) > 0);
      const path = join(outDir, ...target.key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      // The models compute in UTC wall time; the files say UTC (Parquet's isAdjustedToUTC), as bronze does.
      const list = columns
        .map((c) =>
          naiveTimes.has(c) ? `CAST(${identifier(c)} AS TIMESTAMPTZ) AS ${identifier(c)}` : identifier(c),
        )
        .join(', ');
      await this.connection.run(
        `COPY (SELECT ${list} FROM ${table} ${target.where} ORDER BY ALL) TO ${literal(path)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      written.push({
        table: model.name,
        ...(target.day ? { day: target.day } : {}),
        key: target.key,
        path,
        rows,
      });
    }
    return written;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] as string;
}
