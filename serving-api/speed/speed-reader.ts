/**
 * Reads the Cassandra speed views for the API, through the view-store port and its range reader
 * (cursor paging across the (symbol, day) partitions). Every request is bounded by the API's
 * backend deadline.
 */
import type { RangePage } from '../../infra/cassandra/range-reader.js';
import { decodeCursor, readRange } from '../../infra/cassandra/range-reader.js';
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow, TickRow, TweetBySymbolRow } from '../../schemas/rows.js';
import type { BackendCall } from '../backend-call.js';
import { BadParameterError } from '../errors.js';
import { MinuteCache, type MinuteCacheOptions } from './minute-cache.js';

/** Minute rows read per page: a day of one symbol is 1,440. */
const MINUTE_PAGE = 2000;

export interface SpeedReaderOptions {
  store: ViewStore;
  backend: string;
  call: BackendCall;
  /** The minute-row cache (minute-cache.ts); absent or 0 partitions: every read goes to the store. */
  minuteCache?: Omit<MinuteCacheOptions, 'store' | 'call'>;
}

export class SpeedReader {
  /** Present when the minute rows are cached. */
  readonly minuteCache: MinuteCache | undefined;

  constructor(private readonly options: SpeedReaderOptions) {
    const cache = options.minuteCache;
    this.minuteCache =
      cache && cache.maxPartitions > 0
        ? new MinuteCache({ ...cache, store: options.store, call: (request) => this.call(request) })
        : undefined;
  }

  /**
   * `sentiment_by_minute` rows of `symbol` with minute in [from, to), newest first. Cached rows
   * are shared between requests: callers must not modify them.
   */
  minutes(symbol: string, from: number, to: number): Promise<SentimentMinuteRow[]> {
    if (this.minuteCache) return this.minuteCache.minutes(symbol, from, to);
    return this.readMinutes(symbol, from, to);
  }

  private async readMinutes(symbol: string, from: number, to: number): Promise<SentimentMinuteRow[]> {
    const rows: SentimentMinuteRow[] = [];
    if (to <= from) return rows;
    let cursor: string | undefined;
    do {
      const page: RangePage<SentimentMinuteRow> = await this.call(() =>
        readRange<SentimentMinuteRow>(this.options.store, {
          table: TABLES.sentimentByMinute.name,
          partition: { symbol },
          from,
          to,
          limit: MINUTE_PAGE,
          ...(cursor ? { cursor } : {}),
        }),
      );
      rows.push(...page.rows);
      cursor = page.cursor;
    } while (cursor);
    return rows;
  }

  /**
   * A page of `tweets_by_symbol`, newest first, among tweets created in [from, to). `before` is
   * the previous page's cursor: one this API did not make is the caller's error (400).
   */
  async tweets(
    symbol: string,
    from: number,
    to: number,
    limit: number,
    before?: string,
  ): Promise<RangePage<TweetBySymbolRow>> {
    let range = { from, to };
    if (before !== undefined) {
      let after: unknown[];
      try {
        after = decodeCursor(TABLES.tweetsBySymbol, before);
      } catch {
        throw new BadParameterError('before', 'not a cursor this API made for tweets');
      }
      const [createdAt, id] = after;
      if (typeof createdAt !== 'number' || !Number.isSafeInteger(createdAt) || typeof id !== 'string')
        throw new BadParameterError('before', 'not a cursor this API made for tweets');
      // The page after a cursor starts at it, however old: the range only has to hold it.
      range = { from: Math.min(from, createdAt), to: Math.max(to, createdAt + 1) };
    }
    return this.call(() =>
      readRange<TweetBySymbolRow>(this.options.store, {
        table: TABLES.tweetsBySymbol.name,
        partition: { symbol },
        ...range,
        limit,
        ...(before !== undefined ? { cursor: before } : {}),
      }),
    );
  }

  /** The newest row of a (symbol, day) view among [from, to), if any. */
  async latestTick(symbol: string, from: number, to: number): Promise<TickRow | undefined> {
    const page = await this.call(() =>
      readRange<TickRow>(this.options.store, {
        table: TABLES.marketData.name,
        partition: { symbol },
        from,
        to,
        limit: 1,
        concurrency: 1,
      }),
    );
    return page.rows[0];
  }

  async latestTweet(symbol: string, from: number, to: number): Promise<TweetBySymbolRow | undefined> {
    const page = await this.call(() =>
      readRange<TweetBySymbolRow>(this.options.store, {
        table: TABLES.tweetsBySymbol.name,
        partition: { symbol },
        from,
        to,
        limit: 1,
        concurrency: 1,
      }),
    );
    return page.rows[0];
  }

  /** A query of one empty partition: whether the view store answers at all. */
  async ping(): Promise<void> {
    await this.call(() =>
      this.options.store.query(TABLES.sentimentByMinute.name, {
        partition: { symbol: '_READY_', day: '1970-01-01' },
        limit: 1,
      }),
    );
  }

  private call<T>(request: () => Promise<T>): Promise<T> {
    return this.options.call(this.options.backend, request);
  }
}
