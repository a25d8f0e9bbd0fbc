/**
 * The DuckDB engine: bronze files loaded into in-memory tables, the models run as views and
 * tables, each gold partition written with COPY to a local Parquet file.
 *
 * Determinism (the same bronze gives byte-identical gold): one thread, so floating-point sums
 * add in one order; every COPY orders by all its columns; the writer's settings are fixed.
 */

import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { LogicalKind } from '../schemas/columns.js';
import { goldObjectKey } from '../schemas/lake.js';
import type { BronzeSource } from './bronze-sources.js';
import { type Dialect, duckdbDialect, expandMacro } from './dialect.js';
import {
  allDaysRelation,
  type BatchEngine,
  type GoldDayFile,
  type InputError,
  type LocalPartition,
  type SourceFile,
} from './engine.js';
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

/** DuckDB's buffer pool: at 1 GB a 10M-tweet run peaked at 2.1 GB RSS (bench/RESULTS.md). */
const MEMORY_LIMIT = '768MB';
/** Threads while bronze is read: the machine's cores, at most 4. */
const READ_THREADS = Math.max(1, Math.min(4, availableParallelism()));

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const identifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export class DuckDbEngine implements BatchEngine {
  readonly dialect: Dialect = duckdbDialect;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly databaseDir: string,
  ) {}

  /**
   * A database file in a temporary folder rather than an in-memory one: the loaded bronze and the
   * models' tables then live in DuckDB's buffer pool, which evicts to that file past
   * `memory_limit` instead of growing with the lake.
   */
  static async open(): Promise<DuckDbEngine> {
    const databaseDir = await mkdtemp(join(tmpdir(), 'sentiment-duckdb-'));
    const instance = await DuckDBInstance.create(join(databaseDir, 'batch.duckdb'), {
      threads: '1',
      memory_limit: MEMORY_LIMIT,
      temp_directory: join(databaseDir, 'spill'),
    });
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new DuckDbEngine(instance, connection, databaseDir);
  }

  async loadSource(
    source: BronzeSource,
    files: readonly SourceFile[],
  ): Promise<{ rows: number; errors: InputError[] }> {
    const types = new Map(source.columns.map((c) => [c.name, DUCKDB_TYPE[c.kind]]));
    const columns = source.loaded.map((n) => `${identifier(n)} ${types.get(n)}`).join(', ');
    await this.connection.run(`CREATE OR REPLACE TABLE ${identifier(source.name)} (${columns})`);
    const errors: InputError[] = [];
    // Thousands of small objects: the schema is checked once per distinct footer schema and the
    // objects of one schema are read by one statement. Should one of them fail to read (a corrupt
    // page), its group is read again object by object, so only the bad object is left out.
    // Reading Parquet is parallel and keeps the files' order (preserve_insertion_order), so the
    // table's rows, and every sum over them, come out the same; the models then run on one thread.
    await this.connection.run(`SET threads = ${READ_THREADS}`);
    try {
      await this.loadGroups(source, files, errors);
    } finally {
      await this.connection.run('SET threads = 1');
    }
    const result = await this.connection.runAndReadAll(
      `SELECT count(*) AS n FROM ${identifier(source.name)}`,
    );
    return { rows: Number(result.getRowObjectsJS()[0]?.n ?? 0), errors };
  }

  private async loadGroups(source: BronzeSource, files: readonly SourceFile[], errors: InputError[]) {
    for (const group of await this.schemaGroups(files)) {
      const problem = await this.schemaProblem(source, (group[0] as SourceFile).path);
      if (problem) {
        for (const file of group) errors.push({ key: file.key, message: problem });
        continue;
      }
      if (group.length > 1 && (await this.insertFiles(source, group)) === undefined) continue;
      for (const file of group) {
        const failure = await this.insertFiles(source, [file]);
        if (failure !== undefined) errors.push({ key: file.key, message: `unreadable: ${failure}` });
      }
    }
  }

  /** The files grouped by their Parquet schema; a file whose footer cannot be read is alone. */
  private async schemaGroups(files: readonly SourceFile[]): Promise<SourceFile[][]> {
    if (files.length === 0) return [];
    let signatures: Map<string, string>;
    try {
      const result = await this.connection.runAndReadAll(
        `SELECT file_name, string_agg(concat_ws(':', name, duckdb_type, repetition_type, num_children), ',' ORDER BY column_id) AS signature
         FROM parquet_schema([${files.map((f) => literal(f.path)).join(', ')}]) GROUP BY file_name`,
      );
      signatures = new Map(result.getRowObjectsJS().map((r) => [String(r.file_name), String(r.signature)]));
    } catch {
      // Some footer is unreadable: one group per file, each checked on its own.
      return files.map((f) => [f]);
    }
    const groups = new Map<string, SourceFile[]>();
    for (const file of files) {
      const signature = signatures.get(file.path) ?? `unlisted:${file.path}`;
      const group = groups.get(signature);
      if (group) group.push(file);
      else groups.set(signature, [file]);
    }
    return [...groups.values()];
  }

  /** Appends the files' rows in one statement (all or none); the error's first line on failure. */
  private async insertFiles(source: BronzeSource, files: readonly SourceFile[]): Promise<string | undefined> {
    const list = source.loaded.map(identifier).join(', ');
    const paths = files.map((f) => literal(f.path)).join(', ');
    try {
      await this.connection.run(
        `INSERT INTO ${identifier(source.name)} SELECT ${list} FROM read_parquet([${paths}])`,
      );
      return undefined;
    } catch (error) {
      return firstLine(error);
    }
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
      if (call.name === 'all_days') return identifier(allDaysRelation(String(call.args[0])));
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

  async buildAllDays(
    model: Model,
    days: readonly string[],
    others: readonly GoldDayFile[],
  ): Promise<{ rows: number }> {
    const by = model.partitionBy;
    if (!by) throw new Error(`all_days('${model.name}'): not a partitioned model`);
    const table = identifier(model.name);
    const described = await this.connection.runAndReadAll(`DESCRIBE ${table}`);
    const columns = described
      .getRowObjectsJS()
      .map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const inDays =
      days.length > 0
        ? `${identifier(by)} IN (${days.map((d) => `DATE ${literal(d)}`).join(', ')})`
        : 'false';
    let rows = `SELECT ${columns.map((c) => identifier(c.name)).join(', ')} FROM ${table} WHERE ${inDays}`;
    if (others.length > 0) {
      // A gold file has no partition column (it is in the path): each file's day is joined on by its
      // path, and every column cast to the model's type (gold timestamps are written with a zone).
      const select = columns.map((c) =>
        c.name === by
          ? `file_days.day AS ${identifier(by)}`
          : `CAST(gold.${identifier(c.name)} AS ${c.type}) AS ${identifier(c.name)}`,
      );
      const paths = others.map((f) => literal(f.path)).join(', ');
      const values = others.map((f) => `(${literal(f.path)}, DATE ${literal(f.day)})`).join(', ');
      rows += ` UNION ALL SELECT ${select.join(', ')}
        FROM read_parquet([${paths}], filename = true, hive_partitioning = false) gold
        JOIN (VALUES ${values}) file_days(path, day) ON gold.filename = file_days.path`;
    }
    const order = [by, ...columns.map((c) => c.name).filter((c) => c !== by)].map(identifier).join(', ');
    const relation = identifier(allDaysRelation(model.name));
    await this.connection.run(`SET threads = ${READ_THREADS}`);
    try {
      await this.connection.run(
        `CREATE OR REPLACE TEMP TABLE ${relation} AS SELECT * FROM (${rows}) ORDER BY ${order}`,
      );
    } catch (error) {
      throw new Error(`all_days('${model.name}'): ${firstLine(error)}`);
    } finally {
      await this.connection.run('SET threads = 1');
    }
    const counted = await this.connection.runAndReadAll(`SELECT count(*) AS n FROM ${relation}`);
    return { rows: Number(counted.getRowObjectsJS()[0]?.n ?? 0) };
  }

  async writePartitions(model: Model, days: readonly string[], outDir: string): Promise<LocalPartition[]> {
    const table = identifier(model.name);
    const described = await this.connection.runAndReadAll(`DESCRIBE ${table}`);
    const columnTypes = described.getRowObjectsJS();
    const allColumns = columnTypes.map((r) => String(r.column_name));
    const naiveTimes = new Set(
      columnTypes.filter((r) => r.column_type === 'TIMESTAMP').map((r) => String(r.column_name)),
    );
    const timed = (c: string) =>
      naiveTimes.has(c) ? `CAST(${identifier(c)} AS TIMESTAMPTZ) AS ${identifier(c)}` : identifier(c);
    if (model.partitionBy && !model.dropEmptyColumns)
      return this.writeDays(model, model.partitionBy, allColumns.map(timed), days, outDir);
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
      const list = columns.map(timed).join(', ');
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

  /**
   * Every asked day of a partitioned table in one pass: one COPY with PARTITION_BY writes a file per
   * day (the rows of each in ORDER BY ALL order, as a COPY per day would, without scanning the
   * table once per day), which is then moved to its gold key.
   */
  private async writeDays(
    model: Model,
    partitionBy: string,
    list: string[],
    days: readonly string[],
    outDir: string,
  ): Promise<LocalPartition[]> {
    if (days.length === 0) return [];
    const table = identifier(model.name);
    const column = identifier(partitionBy);
    const inDays = `${column} IN (${days.map((d) => `DATE ${literal(d)}`).join(', ')})`;
    const counts = await this.connection.runAndReadAll(
      `SELECT CAST(${column} AS VARCHAR) AS day, count(*) AS n FROM ${table} WHERE ${inDays} GROUP BY ALL`,
    );
    const rows = new Map(counts.getRowObjectsJS().map((r) => [String(r.day), Number(r.n)]));
    if (rows.size === 0) return [];
    const staging = join(outDir, '_copy', model.name);
    await rm(staging, { recursive: true, force: true });
    await mkdir(dirname(staging), { recursive: true });
    await this.connection.run(
      `COPY (SELECT ${list.join(', ')} FROM ${table} WHERE ${inDays} ORDER BY ALL) TO ${literal(staging)}
       (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${column}), FILENAME_PATTERN 'part-{i}')`,
    );
    const written: LocalPartition[] = [];
    for (const day of days) {
      const count = rows.get(day);
      if (count === undefined) continue;
      const dir = join(staging, `${partitionBy}=${day}`);
      const files = await readdir(dir);
      if (files.length !== 1)
        throw new Error(`${model.name} ${day}: DuckDB wrote ${files.length} files, expected 1`);
      const key = goldObjectKey(model.name, day);
      const path = join(outDir, ...key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      await rename(join(dir, files[0] as string), path);
      written.push({ table: model.name, day, key, path, rows: count });
    }
    await rm(staging, { recursive: true, force: true });
    return written;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.databaseDir, { recursive: true, force: true });
  }
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0] as string;
}
