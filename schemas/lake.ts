/**
 * The lake: one bucket (S3/MinIO) or one folder (embedded), Hive-style partitions, Parquet.
 *
 *   bronze/<dataset>/date=YYYY-MM-DD/<dataset>-p<partition>-<firstOffset>-<lastOffset>.parquet
 *   gold/<table>/date=YYYY-MM-DD/part-<n>.parquet
 *   gold/_runs/<runId>.json
 *
 * Bronze object names derive from the log partition and offsets they hold, so a replay of the
 * same messages rewrites the same object instead of adding a duplicate. Offsets are zero-padded
 * so that lexicographic order is offset order.
 */
import {
  Bool,
  DateDay,
  Field,
  Float64,
  Int32,
  Int64,
  List,
  Schema,
  Timestamp,
  TimeUnit,
  Utf8,
} from 'apache-arrow';
import type { TSchema } from 'typebox';
import { columnsOf, type LogicalKind } from './columns.js';
import { BronzeTickRowSchema, BronzeTweetRowSchema } from './rows.js';

export const BRONZE_DATASETS = {
  tweets: { name: 'tweets', schema: BronzeTweetRowSchema, timeColumn: 'created_at' },
  stockPrices: { name: 'stock_prices', schema: BronzeTickRowSchema, timeColumn: 'trade_timestamp' },
} as const;
export type BronzeDataset = (typeof BRONZE_DATASETS)[keyof typeof BRONZE_DATASETS]['name'];

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const NAME = /^[a-z][a-z0-9_]*$/;
const OFFSET_DIGITS = 20;

export interface BronzeObject {
  dataset: BronzeDataset;
  day: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

function checkDay(day: string): void {
  if (!DAY.test(day)) throw new Error(`lake: day must be YYYY-MM-DD, got ${JSON.stringify(day)}`);
}

function checkName(kind: string, name: string): void {
  if (!NAME.test(name)) throw new Error(`lake: ${kind} must match ${NAME}, got ${JSON.stringify(name)}`);
}

function checkOffset(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`lake: ${name} must be a non-negative integer, got ${n}`);
}

export function bronzeObjectKey(o: BronzeObject): string {
  checkName('dataset', o.dataset);
  checkDay(o.day);
  checkOffset('partition', o.partition);
  checkOffset('firstOffset', o.firstOffset);
  checkOffset('lastOffset', o.lastOffset);
  if (o.lastOffset < o.firstOffset) throw new Error('lake: lastOffset is before firstOffset');
  const pad = (n: number) => String(n).padStart(OFFSET_DIGITS, '0');
  return `bronze/${o.dataset}/date=${o.day}/${o.dataset}-p${o.partition}-${pad(o.firstOffset)}-${pad(o.lastOffset)}.parquet`;
}

const BRONZE_KEY =
  /^bronze\/([a-z][a-z0-9_]*)\/date=(\d{4}-\d{2}-\d{2})\/\1-p(\d+)-(\d{20})-(\d{20})\.parquet$/;

/** The inverse of bronzeObjectKey; undefined for keys that are not bronze objects. */
export function parseBronzeObjectKey(key: string): BronzeObject | undefined {
  const m = BRONZE_KEY.exec(key);
  if (!m) return undefined;
  const [partition, firstOffset, lastOffset] = [Number(m[3]), Number(m[4]), Number(m[5])];
  // 20 digits can exceed 2^53 - 1, where Number() rounds: such a key names no offset we can hold.
  if (![partition, firstOffset, lastOffset].every(Number.isSafeInteger)) return undefined;
  return { dataset: m[1] as BronzeDataset, day: m[2] as string, partition, firstOffset, lastOffset };
}

export const bronzeDatasetPrefix = (dataset: BronzeDataset): string => `bronze/${dataset}/`;
export const bronzeDayPrefix = (dataset: BronzeDataset, day: string): string => {
  checkDay(day);
  return `bronze/${dataset}/date=${day}/`;
};

export function goldObjectKey(table: string, day: string, part = 0): string {
  checkName('table', table);
  checkDay(day);
  checkOffset('part', part);
  return `gold/${table}/date=${day}/part-${String(part).padStart(5, '0')}.parquet`;
}

export const goldTablePrefix = (table: string): string => {
  checkName('table', table);
  return `gold/${table}/`;
};

export const GOLD_RUNS_PREFIX = 'gold/_runs/';
export function goldRunKey(runId: string): string {
  if (!/^[A-Za-z0-9T:._-]+$/.test(runId)) throw new Error(`lake: bad run id ${JSON.stringify(runId)}`);
  return `${GOLD_RUNS_PREFIX}${runId}.json`;
}

const ARROW_TYPE: Record<LogicalKind, () => ConstructorParameters<typeof Field>[1]> = {
  text: () => new Utf8(),
  double: () => new Float64(),
  bigint: () => new Int64(),
  int: () => new Int32(),
  boolean: () => new Bool(),
  timestamp: () => new Timestamp(TimeUnit.MILLISECOND, 'UTC'),
  date: () => new DateDay(),
  'text-list': () => new List(new Field('element', new Utf8(), false)),
};

/** The Arrow schema (and so the Parquet schema) of a row schema built with `Column`. */
export function arrowSchemaOf(rowSchema: TSchema): Schema {
  return new Schema(columnsOf(rowSchema).map((c) => new Field(c.name, ARROW_TYPE[c.kind](), c.nullable)));
}
