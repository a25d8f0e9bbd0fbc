/**
 * What the runner needs from an engine (DuckDB, and Spark running the same model files through
 * its own dialect): load bronze files as the models' sources, build each model (and a partitioned
 * model over every gold day, for `all_days()`), write the gold partitions of given days as local
 * Parquet files.
 */
import type { BronzeSource } from './bronze-sources.js';
import type { Dialect } from './dialect.js';
import type { Model } from './models.js';

export interface SourceFile {
  key: string;
  path: string;
}

/** A bronze object left out of the run, and why. */
export interface InputError {
  key: string;
  message: string;
}

export interface LocalPartition {
  table: string;
  /** Absent for an unpartitioned table. */
  day?: string;
  /** Its gold key in the lake. */
  key: string;
  path: string;
  rows: number;
}

/** A gold partition of an earlier run, as a local file. */
export interface GoldDayFile {
  day: string;
  key: string;
  path: string;
}

/** The relation `{{ all_days('<model>') }}` names. */
export const allDaysRelation = (model: string): string => `${model}__all_days`;

export interface BatchEngine {
  readonly dialect: Dialect;
  loadSource(
    source: BronzeSource,
    files: readonly SourceFile[],
  ): Promise<{ rows: number; errors: InputError[] }>;
  build(model: Model): Promise<void>;
  /**
   * Makes `allDaysRelation(model.name)`: the built model's rows of `days` (this run's) and the rows
   * of `others` (gold partitions of the other days, each with its day as the partition column).
   * DuckDB orders it by the partition column, then every other column, so that what merges it adds
   * in one order whichever run computed which day.
   */
  buildAllDays(
    model: Model,
    days: readonly string[],
    others: readonly GoldDayFile[],
  ): Promise<{ rows: number }>;
  /** Partitions with at least one row; a partitioned model writes only `days`. */
  writePartitions(model: Model, days: readonly string[], outDir: string): Promise<LocalPartition[]>;
  close(): Promise<void>;
}
