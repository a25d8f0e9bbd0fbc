/**
 * `GET /v1/alerts?symbol&from&to&rule&status&limit`: the alerts the speed layer opened and closed
 * (`alerts_by_symbol`, rules in schemas/alerts.ts), newest first. Read from the view store only:
 * the batch layer does not recompute alerts, so there is no boundary to merge at.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ALERTS_DEFAULT_LIMIT,
  ALERTS_DEFAULT_SPAN_MS,
  ALERTS_MAX_RANGE_MS,
  AlertListSchema,
  AlertsQuerySchema,
} from '../../schemas/api.js';
import { normalizeSymbol } from '../../schemas/symbol.js';
import { DAY_MS, formatEventTime } from '../../schemas/time.js';
import { alertJson } from '../alerts/alert-json.js';
import type { AlertReader } from '../alerts/alert-reader.js';
import { resolveRange } from '../request-range.js';
import { errorResponses } from './sentiment.js';

export interface AlertRouteOptions {
  alerts: AlertReader;
  /** Read when the request names no symbol (API_SYMBOLS). */
  trackedSymbols: readonly string[];
  now: () => number;
}

export const alertRoutes: FastifyPluginAsyncTypebox<AlertRouteOptions> = async (app, options) => {
  app.get(
    '/v1/alerts',
    {
      schema: {
        summary: 'Alerts opened by the sentiment-and-price rules, newest first',
        description: `Rows of the speed view \`alerts_by_symbol\`: one per alert (episode), \`open\` until its rule has been false for the cool-down, then \`closed\` with \`closed_at\`. An alert is in the answer when its \`opened_at\` lies in [from, to) (default: the last 24 hours), whatever its status now: an alert opened before \`from\` and still open is not (widen \`from\` to see it). Widest range: ${ALERTS_MAX_RANGE_MS / DAY_MS} days. Without \`symbol\`, the tracked symbols (API_SYMBOLS) are read; any well-formed symbol may be asked for (no alerts: an empty list), as may any rule id.`,
        tags: ['alerts'],
        querystring: AlertsQuerySchema,
        response: {
          200: AlertListSchema,
          400: errorResponses[400],
          401: errorResponses[401],
          429: errorResponses[429],
          503: errorResponses[503],
        },
      },
    },
    async (request) => {
      const { query } = request;
      const range = resolveRange(
        query,
        {
          // Exact instants: opened_at is compared with from and to as given.
          intervalMs: 1,
          maxRangeMs: ALERTS_MAX_RANGE_MS,
          defaultSpanMs: ALERTS_DEFAULT_SPAN_MS,
          describeLimit: 'alerts',
        },
        options.now(),
      );
      const symbols =
        query.symbol === undefined ? [...options.trackedSymbols] : [normalizeSymbol(query.symbol)];
      const answer = await options.alerts.alerts(
        symbols,
        range.from,
        range.to,
        { rule: query.rule, status: query.status },
        query.limit ?? ALERTS_DEFAULT_LIMIT,
      );
      return {
        from: formatEventTime(range.from),
        to: formatEventTime(range.to),
        symbols,
        alerts: answer.rows.map(alertJson),
        truncated: answer.truncated,
      };
    },
  );
};
