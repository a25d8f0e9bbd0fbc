/**
 * `GET /v1/symbols/:symbol/trend`, `/v1/symbols/:symbol/stats` (gold only: moving averages and
 * exact quantiles are the batch's), `GET /v1/pivot/hourly` and `GET /v1/correlation` (from the
 * merged hourly series, so they reach past the boundary).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CorrelationListSchema,
  CorrelationQuerySchema,
  HourlyRangeQuerySchema,
  MAX_HOURLY_RANGE_MS,
  PivotQuerySchema,
  PivotSchema,
  StatsQuerySchema,
  StatsSchema,
  SymbolParamsSchema,
  TrendSchema,
} from '../../schemas/api.js';
import { normalizeSymbol } from '../../schemas/symbol.js';
import { DAY_MS, formatEventTime, HOUR_MS, utcDay } from '../../schemas/time.js';
import { hourlyCorrelation } from '../correlation.js';
import { BadParameterError } from '../errors.js';
import type { StatisticsRow } from '../gold/gold-reader.js';
import { resolveRange } from '../request-range.js';
import type { SeriesAnswer, ServingViews } from '../serving-views.js';
import { accessResponses, errorResponses, gapJson, horizonFields } from './sentiment.js';

const hourlyRules = (defaultSpanMs: number) => ({
  intervalMs: HOUR_MS,
  maxRangeMs: MAX_HOURLY_RANGE_MS,
  defaultSpanMs,
  describeLimit: 'this route',
});

function statisticsJson({ symbol: _symbol, date: _date, ...figures }: StatisticsRow) {
  return figures;
}

const meanOf = (b: SeriesAnswer['buckets'][number]) =>
  b.aggregate.tweets > 0 ? b.aggregate.compoundSum / b.aggregate.tweets : null;

const returnOf = (b: SeriesAnswer['buckets'][number]) => {
  const open = b.aggregate.open?.price;
  const close = b.aggregate.close?.price;
  return open !== undefined && close !== undefined && open !== 0 ? close / open - 1 : null;
};

export const analyticsRoutes: FastifyPluginAsyncTypebox<{ views: ServingViews }> = async (app, { views }) => {
  app.get(
    '/v1/symbols/:symbol/trend',
    {
      schema: {
        summary: 'Hourly sentiment and price with their 6- and 24-hour moving averages (batch view)',
        description: `Rows of the gold table trend_analysis_hourly for the hours in [from, to) before the boundary; the speed view has no moving averages. Widest range: ${MAX_HOURLY_RANGE_MS / DAY_MS} days.`,
        tags: ['analytics'],
        params: SymbolParamsSchema,
        querystring: HourlyRangeQuerySchema,
        response: { 200: TrendSchema, ...errorResponses },
      },
    },
    async (request) => {
      const range = resolveRange(request.query, hourlyRules(2 * DAY_MS), views.now());
      const symbol = await views.requireSymbol(request.params.symbol);
      const horizon = await views.horizon.current();
      const boundary = horizon?.coveredUntil ?? null;
      const until = boundary === null ? range.from : Math.min(range.to, boundary);
      const rows = horizon ? await views.gold.trendHours(horizon.runId, symbol, range.from, until) : [];
      return {
        symbol,
        from: formatEventTime(range.from),
        to: formatEventTime(range.to),
        ...horizonFields({ horizon, boundary }),
        hours: rows.map(({ hour, ...figures }) => ({
          hour: formatEventTime(hour),
          source: 'batch' as const,
          ...figures,
        })),
      };
    },
  );

  app.get(
    '/v1/symbols/:symbol/stats',
    {
      schema: {
        summary: 'Sentiment statistics of a symbol: all time and per UTC day (batch view)',
        description:
          'From the gold tables topic_statistics_all_time and topic_statistics of the latest run: exact quantiles, volatility of hourly sentiment and of one-minute returns. A day is `complete` when it ends before the boundary.',
        tags: ['analytics'],
        params: SymbolParamsSchema,
        querystring: StatsQuerySchema,
        response: { 200: StatsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const symbol = await views.requireSymbol(request.params.symbol);
      const horizon = await views.horizon.current();
      const boundary = horizon?.coveredUntil ?? null;
      const count = request.query.days ?? 7;
      const today = Math.floor(views.now() / DAY_MS) * DAY_MS;
      const days = Array.from({ length: count }, (_, i) => utcDay(today - i * DAY_MS));
      const [allTime, daily] = horizon
        ? await Promise.all([
            views.gold.allTimeStatistics(horizon.runId),
            views.gold.dailyStatistics(horizon.runId, symbol, days),
          ])
        : [[], []];
      const mine = allTime.find((r) => r.symbol === symbol);
      return {
        symbol,
        ...horizonFields({ horizon, boundary }),
        all_time: mine ? statisticsJson(mine) : null,
        days: daily.map((r) => ({
          date: r.date as string,
          complete: boundary !== null && Date.parse(`${r.date}T00:00:00Z`) + DAY_MS <= boundary,
          ...statisticsJson(r),
        })),
      };
    },
  );

  app.get(
    '/v1/pivot/hourly',
    {
      schema: {
        summary: 'Mean sentiment per hour and symbol for one UTC day (the heat-map)',
        description:
          'Each cell is the symbol’s mean compound in the hour from the merged hourly series: hours before the boundary from gold, the rest from the speed view (`source`).',
        tags: ['analytics'],
        querystring: PivotQuerySchema,
        response: { 200: PivotSchema, 400: errorResponses[400], ...accessResponses },
      },
    },
    async (request) => {
      const date = request.query.date ?? utcDay(views.now());
      const start = Date.parse(`${date}T00:00:00Z`);
      if (!Number.isFinite(start) || utcDay(start) !== date)
        throw new BadParameterError('date', `not a calendar day: ${JSON.stringify(date)}`);
      const symbols = await views.symbols();
      const series = await Promise.all(
        symbols.map(
          async (symbol) => [symbol, await views.series(symbol, HOUR_MS, start, start + DAY_MS)] as const,
        ),
      );
      const hours = new Map<number, { source: 'batch' | 'speed'; values: Record<string, number | null> }>();
      const withTweets: string[] = [];
      for (const [symbol, answer] of series) {
        let any = false;
        for (const bucket of answer.buckets) {
          const mean = meanOf(bucket);
          if (mean === null) continue;
          any = true;
          const hour = bucket.aggregate.start;
          let row = hours.get(hour);
          if (!row) {
            row = { source: bucket.source, values: {} };
            hours.set(hour, row);
          }
          row.values[symbol] = mean;
        }
        if (any) withTweets.push(symbol);
      }
      const first = series[0]?.[1];
      const horizon = first?.horizon ?? (await views.horizon.current());
      return {
        date,
        ...horizonFields({ horizon, boundary: horizon?.coveredUntil ?? null }),
        symbols: withTweets,
        hours: [...hours.entries()]
          .sort(([a], [b]) => a - b)
          .map(([hour, row]) => ({
            hour: formatEventTime(hour),
            source: row.source,
            values: Object.fromEntries(withTweets.map((s) => [s, row.values[s] ?? null])),
          })),
        gaps: (first?.gaps ?? []).map(gapJson),
      };
    },
  );

  app.get(
    '/v1/correlation',
    {
      schema: {
        summary: 'Correlation of hourly sentiment with same-hour and next-hour price returns',
        description: `Pearson over the merged hourly series of [from, to) (gold before the boundary, the speed view after it); null below two hours or when one side does not vary. Widest range: ${MAX_HOURLY_RANGE_MS / DAY_MS} days.`,
        tags: ['analytics'],
        querystring: CorrelationQuerySchema,
        response: { 200: CorrelationListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const range = resolveRange(request.query, hourlyRules(7 * DAY_MS), views.now());
      const symbols =
        request.query.symbol === undefined
          ? await views.symbols()
          : [await views.requireSymbol(normalizeSymbol(request.query.symbol))];
      const answers = await Promise.all(symbols.map((s) => views.series(s, HOUR_MS, range.from, range.to)));
      const results = symbols.map((symbol, i) => {
        const answer = answers[i] as SeriesAnswer;
        const c = hourlyCorrelation(
          answer.buckets.map((b) => ({
            hour: b.aggregate.start,
            meanCompound: meanOf(b),
            priceReturn: returnOf(b),
          })),
        );
        return {
          symbol,
          same_hour_hours: c.sameHourHours,
          corr_same_hour: c.corrSameHour,
          next_hour_hours: c.nextHourHours,
          corr_next_hour: c.corrNextHour,
          batch_hours: answer.buckets.filter((b) => b.source === 'batch').length,
          speed_hours: answer.buckets.filter((b) => b.source === 'speed').length,
        };
      });
      const first = answers[0];
      const horizon = first?.horizon ?? (await views.horizon.current());
      return {
        from: formatEventTime(range.from),
        to: formatEventTime(range.to),
        ...horizonFields({ horizon, boundary: horizon?.coveredUntil ?? null }),
        results,
        gaps: (first?.gaps ?? []).map(gapJson),
      };
    },
  );
};
