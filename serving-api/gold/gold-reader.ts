/**
 * Reads gold for the API: the day partitions a query needs, fetched as files (gold-files.ts), read
 * with DuckDB. Answers are cached by run id and query: gold does not change within a run, so a
 * repeated query costs neither a lake read nor a DuckDB query.
 *
 * DuckDB runs one statement at a time on its one connection (a queue), with one thread: the API's
 * gold queries are small, and most are answered from the cache.
 */
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ObjectStore } from '../../infra/lake/object-store.js';
import { GOLD_TABLES, goldTableObjectKey } from '../../schemas/gold.js';
import { goldObjectKey } from '../../schemas/lake.js';
import { DAY_MS, utcDay } from '../../schemas/time.js';
import type { BackendCall } from '../backend-call.js';
import type { MinuteFigures } from '../merge/bucket-aggregate.js';
import { GoldFiles } from './gold-files.js';

export interface GoldReaderOptions {
  store: ObjectStore;
  cacheDir: string;
  backend: string;
  call: BackendCall;
  /** Answers kept (least recently used go first). */
  cacheEntries?: number;
}

export interface StatisticsRow {
  symbol: string;
  date?: string;
  tweets: number;
  mean_compound: number | null;
  stddev_compound: number | null;
  p50_compound: number | null;
  p95_compound: number | null;
  min_compound: number | null;
  max_compound: number | null;
  sentiment_volatility: number | null;
  price_volatility: number | null;
}

export interface TrendRow {
  hour: number;
  mean_compound: number | null;
  close_price: number | null;
  sentiment_ma_6h: number | null;
  sentiment_ma_24h: number | null;
  price_ma_6h: number | null;
  price_ma_24h: number | null;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const integer = (n: number) => {
  if (!Number.isSafeInteger(n)) throw new Error(`gold reader: ${n} is not an integer`);
  return String(n);
};

/** The UTC days [from, to) touches. */
export function daysOf(from: number, to: number): string[] {
  const days: string[] = [];
  for (let t = Math.floor(from / DAY_MS) * DAY_MS; t < to; t += DAY_MS) days.push(utcDay(t));
  return days;
}

const toNumber = (v: unknown): number | null =>
  v === null || v === undefined ? null : typeof v === 'bigint' ? Number(v) : (v as number);

export class GoldReader {
  private readonly files: GoldFiles;
  private readonly answers = new Map<string, Promise<unknown>>();
  private readonly maxEntries: number;
  private queue: Promise<unknown> = Promise.resolve();
  private connection: Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> | undefined;
  /** DuckDB statements run: a test's way to see an answer came from the cache. */
  queries = 0;

  constructor(options: GoldReaderOptions) {
    this.files = new GoldFiles({
      store: options.store,
      dir: options.cacheDir,
      backend: options.backend,
      call: options.call,
    });
    this.maxEntries = options.cacheEntries ?? 2000;
  }

  /**
   * `sentiment_minute` rows of `symbol` in [from, until), folded per bucket of `intervalMs` (sums,
   * counts, the bucket's first open and last close): one row per bucket, `minute` its start.
   */
  sentimentBuckets(
    runId: string,
    symbol: string,
    intervalMs: number,
    from: number,
    until: number,
  ): Promise<MinuteFigures[]> {
    if (until <= from) return Promise.resolve([]);
    return this.cached(`sm|${runId}|${symbol}|${intervalMs}|${from}|${until}`, async () => {
      const paths = await this.dayFiles(runId, GOLD_TABLES.sentimentMinute, daysOf(from, until));
      if (paths.length === 0) return [];
      const bucket = `(epoch_ms(minute) // ${integer(intervalMs)}) * ${integer(intervalMs)}`;
      const rows = await this.run(`
        SELECT
          ${bucket} AS bucket,
          sum(tweet_count) AS tweet_count,
          sum(positive_count) AS positive_count,
          sum(neutral_count) AS neutral_count,
          sum(negative_count) AS negative_count,
          sum(compound_sum) AS compound_sum,
          sum(tick_count) AS tick_count,
          arg_min(open_price, minute) FILTER (WHERE open_price IS NOT NULL) AS open_price,
          max(high_price) AS high_price,
          min(low_price) AS low_price,
          arg_max(close_price, minute) FILTER (WHERE close_price IS NOT NULL) AS close_price,
          sum(volume) AS volume
        FROM read_parquet([${paths.map(literal).join(', ')}], union_by_name = true, hive_partitioning = false)
        WHERE symbol = ${literal(symbol)}
          AND epoch_ms(minute) >= ${integer(from)} AND epoch_ms(minute) < ${integer(until)}
        GROUP BY bucket
        ORDER BY bucket`);
      return rows.map((r) => {
        const row: MinuteFigures = {
          minute: toNumber(r.bucket) as number,
          tweet_count: toNumber(r.tweet_count) ?? 0,
          positive_count: toNumber(r.positive_count) ?? 0,
          neutral_count: toNumber(r.neutral_count) ?? 0,
          negative_count: toNumber(r.negative_count) ?? 0,
          compound_sum: toNumber(r.compound_sum) ?? 0,
          tick_count: toNumber(r.tick_count) ?? 0,
          final: true,
        };
        for (const column of ['open_price', 'high_price', 'low_price', 'close_price', 'volume'] as const) {
          const value = toNumber(r[column]);
          if (value !== null) row[column] = value;
        }
        return row;
      });
    });
  }

  /** `topic_statistics_all_time`: one row per symbol. */
  allTimeStatistics(runId: string): Promise<StatisticsRow[]> {
    return this.cached(`all|${runId}`, async () => {
      const path = await this.files.path(runId, goldTableObjectKey(GOLD_TABLES.topicStatisticsAllTime));
      if (!path) return [];
      return (await this.run(`SELECT * FROM read_parquet(${literal(path)}) ORDER BY symbol`)).map((r) =>
        statisticsRow(r),
      );
    });
  }

  /** `topic_statistics` of `symbol` on `days`, latest first. */
  dailyStatistics(runId: string, symbol: string, days: readonly string[]): Promise<StatisticsRow[]> {
    return this.cached(`daily|${runId}|${symbol}|${days.join(',')}`, async () => {
      const paths = await this.dayFiles(runId, GOLD_TABLES.topicStatistics, days);
      if (paths.length === 0) return [];
      const rows = await this.run(`
        SELECT *, strftime(date, '%Y-%m-%d') AS day
        FROM read_parquet([${paths.map(literal).join(', ')}], union_by_name = true, hive_partitioning = true)
        WHERE symbol = ${literal(symbol)}
        ORDER BY day DESC`);
      return rows.map((r) => ({ ...statisticsRow(r), date: String(r.day) }));
    });
  }

  /** `trend_analysis_hourly` of `symbol`, hours in [from, until). */
  trendHours(runId: string, symbol: string, from: number, until: number): Promise<TrendRow[]> {
    if (until <= from) return Promise.resolve([]);
    return this.cached(`trend|${runId}|${symbol}|${from}|${until}`, async () => {
      const paths = await this.dayFiles(runId, GOLD_TABLES.trendAnalysisHourly, daysOf(from, until));
      if (paths.length === 0) return [];
      const rows = await this.run(`
        SELECT epoch_ms(hour) AS hour_ms, mean_compound, close_price, sentiment_ma_6h, sentiment_ma_24h,
               price_ma_6h, price_ma_24h
        FROM read_parquet([${paths.map(literal).join(', ')}], union_by_name = true, hive_partitioning = false)
        WHERE symbol = ${literal(symbol)} AND epoch_ms(hour) >= ${integer(from)} AND epoch_ms(hour) < ${integer(until)}
        ORDER BY hour_ms`);
      return rows.map((r) => ({
        hour: toNumber(r.hour_ms) as number,
        mean_compound: toNumber(r.mean_compound),
        close_price: toNumber(r.close_price),
        sentiment_ma_6h: toNumber(r.sentiment_ma_6h),
        sentiment_ma_24h: toNumber(r.sentiment_ma_24h),
        price_ma_6h: toNumber(r.price_ma_6h),
        price_ma_24h: toNumber(r.price_ma_24h),
      }));
    });
  }

  private async dayFiles(runId: string, table: string, days: readonly string[]): Promise<string[]> {
    const paths = await Promise.all(days.map((day) => this.files.path(runId, goldObjectKey(table, day))));
    return paths.filter((p): p is string => p !== undefined);
  }

  private cached<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.answers.get(key);
    if (hit) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.answers.delete(key);
      this.answers.set(key, hit);
      return hit as Promise<T>;
    }
    const answer = compute();
    this.answers.set(key, answer);
    answer.catch(() => {
      if (this.answers.get(key) === answer) this.answers.delete(key);
    });
    while (this.answers.size > this.maxEntries)
      this.answers.delete(this.answers.keys().next().value as string);
    return answer;
  }

  private run(sql: string): Promise<Record<string, unknown>[]> {
    const result = this.queue.then(async () => {
      this.queries++;
      const { connection } = await this.open();
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private open() {
    this.connection ??= (async () => {
      const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      return { instance, connection };
    })();
    return this.connection;
  }

  async close(): Promise<void> {
    await this.queue;
    await this.files.close();
    if (this.connection) {
      const { instance, connection } = await this.connection;
      connection.closeSync();
      instance.closeSync();
    }
  }
}

function statisticsRow(r: Record<string, unknown>): StatisticsRow {
  return {
    symbol: String(r.symbol),
    tweets: toNumber(r.tweets) ?? 0,
    mean_compound: toNumber(r.mean_compound),
    stddev_compound: toNumber(r.stddev_compound),
    p50_compound: toNumber(r.p50_compound),
    p95_compound: toNumber(r.p95_compound),
    min_compound: toNumber(r.min_compound),
    max_compound: toNumber(r.max_compound),
    sentiment_volatility: toNumber(r.sentiment_volatility),
    price_volatility: toNumber(r.price_volatility),
  };
}
