/**
 * `GET /v1/symbols/:symbol/sentiment` and `/candles`: the merged series (merge/merge.ts), one
 * bucket per interval with its source, the boundary and run id it was cut at, and the gaps.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import {
  CANDLE_INTERVALS,
  type Candle,
  type CandleSeries,
  CandleSeriesSchema,
  CandlesQuerySchema,
  DEFAULT_SPAN_MS,
  ErrorSchema,
  INTERVAL_MS,
  INTERVALS,
  type Interval,
  MAX_RANGE_MS,
  type SentimentBucket,
  SentimentQuerySchema,
  type SentimentSeries,
  SentimentSeriesSchema,
  SymbolParamsSchema,
} from '../../schemas/api.js';
import { formatEventTime } from '../../schemas/time.js';
import type { MergedBucket, SeriesGap } from '../merge/merge.js';
import { resolveRange } from '../request-range.js';
import type { SeriesAnswerCache } from '../series-answer-cache.js';
import { mergeInputs, type SeriesAnswer, type SeriesInputs, type ServingViews } from '../serving-views.js';

export const errorResponses = {
  400: { ...ErrorSchema, description: 'a parameter is malformed or out of range; `parameter` names it' },
  404: { ...ErrorSchema, description: 'the symbol is neither tracked nor in the batch view' },
  503: { ...ErrorSchema, description: 'a backend did not answer in time; `backend` names it' },
  401: { ...ErrorSchema, description: 'API_KEYS is set and the request has no valid key (`x-api-key`)' },
  429: { ...ErrorSchema, description: 'more requests per minute than API_RATE_LIMIT' },
};

/** The refusals of routes without a symbol or a range: a backend down, a key missing, too many requests. */
export const accessResponses = {
  401: errorResponses[401],
  429: errorResponses[429],
  503: errorResponses[503],
};

export function horizonFields(answer: Pick<SeriesAnswer, 'horizon' | 'boundary'>) {
  return {
    boundary: answer.boundary === null ? null : formatEventTime(answer.boundary),
    run_id: answer.horizon?.runId ?? null,
  };
}

export const gapJson = (g: SeriesGap) => ({
  from: formatEventTime(g.from),
  to: formatEventTime(g.to),
  reason: g.reason,
});

export function bucketJson({ source, aggregate: a, coveredUntil }: MergedBucket): SentimentBucket {
  const open = a.open?.price ?? null;
  const close = a.close?.price ?? null;
  return {
    start: formatEventTime(a.start),
    source,
    tweets: a.tweets,
    mean_compound: a.tweets > 0 ? a.compoundSum / a.tweets : null,
    positive: a.positive,
    neutral: a.neutral,
    negative: a.negative,
    open_price: open,
    close_price: close,
    price_return: open !== null && close !== null && open !== 0 ? close / open - 1 : null,
    final: a.final,
    ...(coveredUntil !== undefined ? { covered_until: formatEventTime(coveredUntil) } : {}),
  };
}

function candleJson({ source, aggregate: a }: MergedBucket): Candle | undefined {
  if (a.open === undefined || a.close === undefined || a.high === undefined || a.low === undefined)
    return undefined;
  return {
    start: formatEventTime(a.start),
    source,
    open_price: a.open.price,
    high_price: a.high,
    low_price: a.low,
    close_price: a.close.price,
    volume: a.volume,
    trades: a.ticks,
    final: a.final,
  };
}

const describeLimits = INTERVALS.map((i) => `${i}: ${MAX_RANGE_MS[i] / 86_400_000} days`).join(', ');

/**
 * Answers from the answer cache: the body kept for `key` if `inputs` are the ones it was merged
 * from, else the merge's `payload` serialized with the route's own response schema. Sent with
 * the content type Fastify gives a JSON object (the typed `send` only knows the payload as one).
 */
function sendAnswer<P>(
  reply: FastifyReply,
  answers: SeriesAnswerCache,
  key: string,
  inputs: SeriesInputs,
  payload: (answer: SeriesAnswer) => P,
) {
  const body = answers.answer(key, inputs, () => reply.serialize(payload(mergeInputs(inputs))) as string);
  return reply.type('application/json; charset=utf-8').send(body as never);
}

export const sentimentRoutes: FastifyPluginAsyncTypebox<{
  views: ServingViews;
  answers: SeriesAnswerCache;
}> = async (app, { views, answers }) => {
  /** The range checked for the interval, the symbol checked, and what their merge is made of. */
  async function seriesRequest<I extends Interval>(
    interval: I,
    request: { query: Parameters<typeof resolveRange>[0]; params: { symbol: string } },
  ) {
    const range = resolveRange(
      request.query,
      {
        intervalMs: INTERVAL_MS[interval],
        maxRangeMs: MAX_RANGE_MS[interval],
        defaultSpanMs: DEFAULT_SPAN_MS[interval],
        describeLimit: `interval ${interval}`,
      },
      views.now(),
    );
    const symbol = await views.requireSymbol(request.params.symbol);
    const inputs = await views.seriesInputs(symbol, INTERVAL_MS[interval], range.from, range.to);
    const head = (answer: SeriesAnswer) => ({
      symbol,
      interval,
      from: formatEventTime(range.from),
      to: formatEventTime(range.to),
      ...horizonFields(answer),
    });
    return { key: `${symbol}|${interval}|${range.from}|${range.to}`, inputs, head };
  }

  app.get(
    '/v1/symbols/:symbol/sentiment',
    {
      schema: {
        summary: 'Merged sentiment series: gold before the batch boundary, the speed view after it',
        description: `One bucket per interval with tweets or ticks, each from exactly one view (\`source\`). Ranges neither view holds are listed in \`gaps\`, never answered as zero tweets. Widest range per interval: ${describeLimits}.`,
        tags: ['sentiment'],
        params: SymbolParamsSchema,
        querystring: SentimentQuerySchema,
        response: { 200: SentimentSeriesSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { key, inputs, head } = await seriesRequest(request.query.interval ?? '1m', request);
      return sendAnswer(
        reply,
        answers,
        `sentiment|${key}`,
        inputs,
        (answer): SentimentSeries => ({
          ...head(answer),
          buckets: answer.buckets.map(bucketJson),
          gaps: answer.gaps.map(gapJson),
        }),
      );
    },
  );

  app.get(
    '/v1/symbols/:symbol/candles',
    {
      schema: {
        summary: 'Merged OHLCV candles: gold before the batch boundary, the speed view after it',
        description: `Candles of 1 or 5 minutes, each from one view (\`source\`); minutes without ticks are left out, ranges neither view holds are listed in \`gaps\`. Widest range: ${CANDLE_INTERVALS.map((i) => `${i}: ${MAX_RANGE_MS[i] / 86_400_000} days`).join(', ')}.`,
        tags: ['prices'],
        params: SymbolParamsSchema,
        querystring: CandlesQuerySchema,
        response: { 200: CandleSeriesSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { key, inputs, head } = await seriesRequest(request.query.interval ?? '1m', request);
      return sendAnswer(
        reply,
        answers,
        `candles|${key}`,
        inputs,
        (answer): CandleSeries => ({
          ...head(answer),
          candles: answer.buckets.map(candleJson).filter((c): c is Candle => c !== undefined),
          gaps: answer.gaps.map(gapJson),
        }),
      );
    },
  );
};
