/**
 * Cross-engine macros, as dbt's cross-database macros: where DuckDB and Spark SQL spell a thing
 * differently, a model calls a named macro and each engine's dialect expands it. Everything else in
 * the models is SQL both engines read alike (window functions, CASE, FULL OUTER JOIN, INTERVAL
 * arithmetic, stddev_samp, corr). A new engine implements this interface; the models stay as they are.
 */
import type { MacroArg, MacroCall } from './model-template.js';

export interface Dialect {
  readonly name: string;
  /** A bronze `TIMESTAMP(MILLIS, UTC)` column as the engine's UTC timestamp without zone. */
  utc_timestamp(column: string): string;
  /** The list column's elements, one output row each, as a select-list expression. */
  explode(column: string): string;
  /** Exact quantile with linear interpolation between the closest ranks (type 7 / R's default). */
  quantile(column: string, fraction: number): string;
  /** Seconds since the epoch of a timestamp, as an integer. */
  epoch_seconds(column: string): string;
  /** Start of the `seconds`-long bucket (aligned on the epoch) holding the timestamp. */
  bucket_start(column: string, seconds: number): string;
  /** The date `days` after a date. */
  add_days(column: string, days: string | number): string;
  /** Natural logarithm. */
  ln(expression: string): string;
  /**
   * The wide form of `relation`: one row per `group_by` tuple, one column per distinct value of
   * `on` (named by the value) holding `value`. A whole SELECT statement. DuckDB finds the values
   * itself; Spark SQL's PIVOT needs them listed (`FOR on IN (...)`), so a Spark dialect collects the
   * distinct values of `relation` first and lists them, in sorted order as DuckDB names them.
   */
  pivot(relation: string, on: string, value: string, groupBy: string): string;
  /**
   * For a dialect whose `pivot` lists the values: a SELECT of the distinct values of `on` in
   * `relation` (the model rendered with this in place of the pivot gives them), which the engine
   * runs first and lists in place of PIVOT_VALUES_MARKER in the pivot statement.
   */
  pivotValues?(relation: string, on: string): string;
}

/** Where a listing dialect's pivot statement expects its `'value' AS name, ...` list. */
export const PIVOT_VALUES_MARKER = '/*pivot_values*/';

function text(call: MacroCall, index: number, name: string): string {
  const value = call.args[index] ?? call.kwargs[name];
  if (typeof value !== 'string')
    throw new Error(`${call.name}(): ${name} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function number(call: MacroCall, index: number, name: string): number {
  const value: MacroArg | undefined = call.args[index] ?? call.kwargs[name];
  if (typeof value !== 'number')
    throw new Error(`${call.name}(): ${name} must be a number, got ${JSON.stringify(value)}`);
  return value;
}

/** Expands a dialect macro call, or throws naming the unknown macro. */
export function expandMacro(dialect: Dialect, call: MacroCall): string {
  switch (call.name) {
    case 'utc_timestamp':
      return dialect.utc_timestamp(text(call, 0, 'column'));
    case 'explode':
      return dialect.explode(text(call, 0, 'column'));
    case 'quantile':
      return dialect.quantile(text(call, 0, 'column'), number(call, 1, 'fraction'));
    case 'epoch_seconds':
      return dialect.epoch_seconds(text(call, 0, 'column'));
    case 'bucket_start':
      return dialect.bucket_start(text(call, 0, 'column'), number(call, 1, 'seconds'));
    case 'add_days': {
      const days = call.args[1] ?? call.kwargs.days;
      if (typeof days !== 'string' && typeof days !== 'number')
        throw new Error('add_days(): days is missing');
      return dialect.add_days(text(call, 0, 'column'), days);
    }
    case 'ln':
      return dialect.ln(text(call, 0, 'expression'));
    case 'pivot':
      return dialect.pivot(
        text(call, 0, 'relation'),
        text(call, 1, 'on'),
        text(call, 2, 'value'),
        text(call, 3, 'group_by'),
      );
    case 'pearson':
      return pearson(text(call, 0, 'x'), text(call, 1, 'y'));
    default:
      throw new Error(`unknown macro ${call.name}()`);
  }
}

/**
 * Pearson correlation of the pairs where both are present; NULL (not NaN) when fewer than two
 * pairs or either side is constant. The same SQL on every engine.
 */
function pearson(x: string, y: string): string {
  const px = `CASE WHEN (${x}) IS NOT NULL AND (${y}) IS NOT NULL THEN (${x}) END`;
  const py = `CASE WHEN (${x}) IS NOT NULL AND (${y}) IS NOT NULL THEN (${y}) END`;
  return `CASE WHEN count(${px}) >= 2 AND stddev_samp(${px}) > 0 AND stddev_samp(${py}) > 0 THEN corr(${px}, ${py}) END`;
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

export const duckdbDialect: Dialect = {
  name: 'duckdb',
  // Bronze timestamps read as TIMESTAMPTZ; the session runs in UTC, so the cast keeps the wall time.
  utc_timestamp: (column) => `CAST(${column} AS TIMESTAMP)`,
  explode: (column) => `unnest(${column})`,
  quantile: (column, fraction) => `quantile_cont(${column}, ${fraction})`,
  epoch_seconds: (column) => `CAST(epoch(${column}) AS BIGINT)`,
  bucket_start: (column, seconds) => `time_bucket(INTERVAL '${seconds} seconds', ${column})`,
  add_days: (column, days) => `(${column} + CAST(${days} AS INTEGER))`,
  ln: (expression) => `ln(${expression})`,
  pivot: (relation, on, value, groupBy) =>
    `SELECT * FROM (PIVOT ${quoteIdentifier(relation)} ON ${on} USING first(${value}) GROUP BY ${groupBy})`,
};

const backtick = (name: string) => `\`${name.replaceAll('`', '``')}\``;

export const sparkDialect: Dialect = {
  name: 'spark',
  // Spark reads a bronze TIMESTAMP(MILLIS, UTC) as its TIMESTAMP; the session time zone is UTC
  // (spark-engine.ts), so date_trunc and CAST AS DATE work on UTC wall time as DuckDB's do.
  utc_timestamp: (column) => column,
  explode: (column) => `explode(${column})`,
  // Spark's percentile is exact and interpolates linearly, as quantile_cont does.
  quantile: (column, fraction) => `percentile(${column}, ${fraction})`,
  epoch_seconds: (column) => `unix_seconds(${column})`,
  bucket_start: (column, seconds) =>
    `timestamp_seconds(floor(unix_seconds(${column}) / ${seconds}) * ${seconds})`,
  add_days: (column, days) => `date_add(${column}, ${days})`,
  ln: (expression) => `ln(${expression})`,
  // Spark's PIVOT groups by every column it is given other than `on` and `value`, so it is given
  // only those and the group-by columns.
  pivot: (relation, on, value, groupBy) =>
    `SELECT * FROM (SELECT ${groupBy}, ${on}, ${value} FROM ${backtick(relation)}) PIVOT (first(${value}) FOR ${on} IN (${PIVOT_VALUES_MARKER}))`,
  pivotValues: (relation, on) => `SELECT DISTINCT CAST(${on} AS STRING) FROM ${backtick(relation)}`,
};
