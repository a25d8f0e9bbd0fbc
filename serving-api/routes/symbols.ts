/**
 * `GET /v1/symbols` (tracked symbols with their latest tweet, price and 24-hour count) and
 * `GET /v1/symbols/:symbol/tweets` (the latest scored tweets, cursor-paged across day partitions).
 * Tweets and ticks come from the speed view only: it holds the last SPEED_VIEW_TTL of them.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  SymbolListSchema,
  SymbolParamsSchema,
  type SymbolSummary,
  TWEETS_DEFAULT_LIMIT,
  type Tweet,
  TweetPageSchema,
  TweetsQuerySchema,
} from '../../schemas/api.js';
import type { TweetBySymbolRow } from '../../schemas/rows.js';
import { DAY_MS, formatEventTime, HOUR_MS, windowStart } from '../../schemas/time.js';
import type { ServingViews } from '../serving-views.js';
import { accessResponses, errorResponses, horizonFields } from './sentiment.js';

/** Event times this far ahead of the clock still count as "latest" (the speed layer's future skew). */
const FUTURE_SLACK_MS = 10 * 60_000;

function tweetJson(row: TweetBySymbolRow): Tweet {
  return {
    id: row.id,
    created_at: formatEventTime(row.created_at),
    text: row.text,
    user_id: row.user_id,
    compound: row.compound,
    pos: row.pos,
    neu: row.neu,
    neg: row.neg,
    label: row.label as Tweet['label'],
    price_at_tweet: row.price_at_tweet ?? null,
    late: row.late ?? false,
  };
}

export const symbolRoutes: FastifyPluginAsyncTypebox<{
  views: ServingViews;
  speedViewTtlMs: number;
}> = async (app, { views, speedViewTtlMs }) => {
  /** The event times the speed view can still hold, with a day's slack for rows written late. */
  const speedWindow = () => {
    const now = views.now();
    return { from: Math.max(0, now - speedViewTtlMs - DAY_MS), to: now + FUTURE_SLACK_MS };
  };

  app.get(
    '/v1/symbols',
    {
      schema: {
        summary: 'Tracked symbols with their latest tweet time, latest price and 24-hour tweet count',
        description:
          'The symbols of API_SYMBOLS and those the latest batch run has statistics for. `tweets_24h` sums the merged hourly series of the current hour and the 23 before it.',
        tags: ['symbols'],
        response: { 200: SymbolListSchema, ...accessResponses },
      },
    },
    async () => {
      const horizon = await views.horizon.current();
      const symbols = await views.symbols();
      const { from, to } = speedWindow();
      const hourEnd = windowStart(views.now(), HOUR_MS) + HOUR_MS;
      const summaries = await Promise.all(
        symbols.map(async (symbol): Promise<SymbolSummary> => {
          const [tweet, tick, day] = await Promise.all([
            views.speed.latestTweet(symbol, from, to),
            views.speed.latestTick(symbol, from, to),
            views.series(symbol, HOUR_MS, hourEnd - DAY_MS, hourEnd),
          ]);
          return {
            symbol,
            last_tweet_at: tweet ? formatEventTime(tweet.created_at) : null,
            last_price: tick ? tick.close_price : null,
            last_price_at: tick ? formatEventTime(tick.trade_timestamp) : null,
            tweets_24h: day.buckets.reduce((n, b) => n + b.aggregate.tweets, 0),
            tweets_24h_complete: day.gaps.length === 0,
          };
        }),
      );
      return { ...horizonFields({ horizon, boundary: horizon?.coveredUntil ?? null }), symbols: summaries };
    },
  );

  app.get(
    '/v1/symbols/:symbol/tweets',
    {
      schema: {
        summary: 'The latest scored tweets of a symbol, newest first, with the price at each tweet',
        description:
          'From the speed view (the last SPEED_VIEW_TTL of tweets). Pass a page’s `next` as `before` to get the page after it; pages run across day partitions.',
        tags: ['symbols'],
        params: SymbolParamsSchema,
        querystring: TweetsQuerySchema,
        response: { 200: TweetPageSchema, ...errorResponses },
      },
    },
    async (request) => {
      const symbol = await views.requireSymbol(request.params.symbol);
      const { from, to } = speedWindow();
      const page = await views.speed.tweets(
        symbol,
        from,
        to,
        request.query.limit ?? TWEETS_DEFAULT_LIMIT,
        request.query.before,
      );
      return { symbol, tweets: page.rows.map(tweetJson), next: page.cursor ?? null };
    },
  );
};
