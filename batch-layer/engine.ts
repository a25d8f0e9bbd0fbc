/**
 * What the runner needs from an engine (DuckDB now; Spark, running the same model files through
 * its own dialect, later): load bronze files as the models' sources, build each model, write the
 * gold partitions of given days as local Parquet files.
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

export interface BatchEngine {
  readonly dialect: Dialect;
  loadSource(
    source: BronzeSource,
    files: readonly SourceFile[],
  ): Promise<{ rows: number; errors: InputError[] }>;
  build(model: Model): Promise<void>;
  /** Partitions with at least one row; a partitioned model writes only `days`. */
  writePartitions(model: Model, days: readonly string[], outDir: string): Promise<LocalPartition[]>;
  close(): Promise<void>;
}
