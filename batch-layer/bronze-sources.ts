/**
 * The bronze datasets as the models see them (`source('bronze_tweets')`), and which bronze dates a
 * gold day depends on.
 *
 * A `date=X` bronze object holds rows of day X, and of day X−1 from at most BRONZE_MAX_SPAN before
 * midnight (speed-layer/bronze-batcher.ts). Gold day D uses rows of D (in `date=D` and
 * `date=D+1` objects), of D−1 as look-back context (the moving averages; in `date=D−1` and
 * `date=D`) and of D+1's first hour (the next-hour return; in `date=D+1`). So gold day D reads
 * bronze dates D−1, D and D+1, and an object new under `date=X` makes gold days X−1, X and X+1
 * stale — or, when the event times of its rows are known, only the days those rows can change
 * (goldDaysOfEventTimes).
 */
import { type ColumnInfo, columnsOf } from '../schemas/columns.js';
import { BRONZE_DATASETS, type BronzeDataset } from '../schemas/lake.js';
import { DAY_MS, HOUR_MS } from '../schemas/time.js';

export interface BronzeSource {
  /** The name models use: `source('<name>')`. */
  name: string;
  dataset: BronzeDataset;
  /** Every column of the dataset's row schema: an object lacking one, or typed otherwise, is skipped. */
  columns: ColumnInfo[];
  /** The columns the models read (the rest are checked, not loaded). */
  loaded: string[];
  /** The row's event time, which puts it in its gold day. */
  eventTime: string;
}

const pick = (columns: ColumnInfo[], names: string[]) => {
  for (const n of names)
    if (!columns.some((c) => c.name === n)) throw new Error(`bronze source: no column ${n}`);
  return names;
};

const tweetColumns = columnsOf(BRONZE_DATASETS.tweets.schema);
const tickColumns = columnsOf(BRONZE_DATASETS.stockPrices.schema);

export const BRONZE_SOURCES: readonly BronzeSource[] = [
  {
    name: 'bronze_tweets',
    dataset: BRONZE_DATASETS.tweets.name,
    columns: tweetColumns,
    loaded: pick(tweetColumns, [
      'id',
      'created_at',
      'symbols',
      'compound',
      'label',
      'source_partition',
      'source_offset',
    ]),
    eventTime: 'created_at',
  },
  {
    name: 'bronze_ticks',
    dataset: BRONZE_DATASETS.stockPrices.name,
    columns: tickColumns,
    loaded: pick(tickColumns, [
      'symbol',
      'trade_timestamp',
      'open_price',
      'high_price',
      'low_price',
      'close_price',
      'volume',
      'source_partition',
      'source_offset',
    ]),
    eventTime: 'trade_timestamp',
  },
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function dayIndex(day: string): number {
  if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) throw new Error(`not a day: ${day}`);
  return Date.parse(`${day}T00:00:00Z`) / DAY_MS;
}

export const dayOfIndex = (index: number): string => new Date(index * DAY_MS).toISOString().slice(0, 10);

export const addDays = (day: string, days: number): string => dayOfIndex(dayIndex(day) + days);

/** The days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let i = dayIndex(from); i <= dayIndex(to); i++) days.push(dayOfIndex(i));
  return days;
}

/** Gold days whose figures an object under bronze `date=X` can change. */
export const goldDaysOfBronzeDate = (date: string): string[] => [addDays(date, -1), date, addDays(date, 1)];

/** Bronze dates gold day D reads. */
export const bronzeDatesOfGoldDay = (day: string): string[] => [addDays(day, -1), day, addDays(day, 1)];

/**
 * Gold days that rows with event times in [min, max] (epoch ms) can change: each row's own day;
 * the day after it, where the row is look-back context (moving_avg_10 looks back to the previous
 * day's start, the 24-hour averages 23 hours); and the day before when a row lies in its day's
 * first hour, whose price return is the previous day's last next-hour return.
 */
export function goldDaysOfEventTimes(min: number, max: number): string[] {
  const first = Math.floor(min / DAY_MS) - (min - Math.floor(min / DAY_MS) * DAY_MS < HOUR_MS ? 1 : 0);
  const last = Math.floor(max / DAY_MS) + 1;
  const days: string[] = [];
  for (let i = first; i <= last; i++) days.push(dayOfIndex(i));
  return days;
}
