/**
 * `GET /v1/stream?symbols=AAPL,TSLA`: Server-Sent Events of the symbols' minute rows as the speed
 * layer upserts them (the dashboard's live feed). Every client is served from the app's one
 * MinuteFeed. Events: `minute` (data: StreamMinute JSON, id: symbol and minute), `alert` (data:
 * the alert JSON of GET /v1/alerts, id: the alert id and `opened` or `closed`), a comment line
 * every `heartbeatMs` so proxies and clients see a live connection. The stream ends when the
 * client goes away or the app closes.
 */

import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { ViewStore } from '../../infra/cassandra/view-store.js';
import { alertEventKey } from '../../schemas/alerts.js';
import { type Alert, ErrorSchema } from '../../schemas/api.js';
import {
  STREAM_MAX_SYMBOLS,
  StreamAlertSchema,
  StreamMinuteSchema,
  StreamQuerySchema,
} from '../../schemas/stream.js';
import { normalizeSymbol } from '../../schemas/symbol.js';
import { FeedFullError, MinuteFeed, type MinuteFeedOptions } from '../live/minute-feed.js';

export interface StreamRouteOptions {
  viewStore: ViewStore;
  feed?: Omit<MinuteFeedOptions, 'viewStore' | 'onError'>;
  /** Default 15 s. */
  heartbeatMs?: number;
}

export const streamRoutes: FastifyPluginAsyncTypebox<StreamRouteOptions> = async (app, options) => {
  const feed = new MinuteFeed({
    ...options.feed,
    viewStore: options.viewStore,
    onError: (error) =>
      app.log.warn({ err: error }, `stream: reading the minute view failed: ${error.message}`),
  });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const open = new Set<ServerResponse>();

  // Before the server waits for its connections: an open stream would otherwise hold close() forever.
  app.addHook('preClose', async () => {
    for (const response of open) response.end();
    open.clear();
    await feed.close();
  });

  app.get(
    '/v1/stream',
    {
      schema: {
        summary: 'Live minute rows (Server-Sent Events)',
        description: `A text/event-stream of \`minute\` events, one per upsert of a followed symbol's row of \`sentiment_by_minute\` (the data is the first schema below, the event id \`SYMBOL@minute\`), starting with the recent minutes already known; the view is polled about once a second. And \`alert\` events, one when a followed symbol's alert opens and one when its row changes (closes): the data is the alert as GET /v1/alerts returns it (the second schema), the event id \`<alert_id>/opened\` or \`<alert_id>/closed\`; the alerts opened in the last 24 hours come first, and \`alerts_by_symbol\` is polled about every 5 s. A comment line every ${heartbeatMs / 1000} s keeps the connection alive. At most ${STREAM_MAX_SYMBOLS} symbols per stream.`,
        tags: ['live'],
        querystring: StreamQuerySchema,
        response: {
          200: {
            description:
              "the event stream; a `minute` event's data is the first object, an `alert` event's the second",
            content: {
              'text/event-stream': { schema: Type.Union([StreamMinuteSchema, StreamAlertSchema]) },
            },
          },
          400: ErrorSchema,
          503: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const symbols = [...new Set(request.query.symbols.split(',').map(normalizeSymbol))];
      const response = reply.raw;
      // follow() hands over the rows already known at once, before the headers are written.
      let early: string[] | undefined = [];
      const send = (row: { symbol: string; minute: string }) => {
        const event = `event: minute\nid: ${row.symbol}@${row.minute}\ndata: ${JSON.stringify(row)}\n\n`;
        if (early) early.push(event);
        else response.write(event);
      };
      const sendAlert = (alert: Alert) => {
        const id = alertEventKey(alert.alert_id, alert.status === 'open' ? 'opened' : 'closed');
        const event = `event: alert\nid: ${id}\ndata: ${JSON.stringify(alert)}\n\n`;
        if (early) early.push(event);
        else response.write(event);
      };
      let stop: () => void;
      try {
        stop = feed.follow(symbols, send, sendAlert);
      } catch (error) {
        if (error instanceof FeedFullError) {
          return reply
            .status(503)
            .send({ error: 'Service Unavailable', message: error.message, statusCode: 503 });
        }
        throw error;
      }
      reply.hijack();
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and similar proxies buffer responses unless told not to.
        'x-accel-buffering': 'no',
      });
      // The hint is for EventSource's reconnect delay after a dropped connection.
      response.write(`retry: 3000\n: following ${symbols.join(',')}\n\n${early.join('')}`);
      early = undefined;
      open.add(response);
      const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), heartbeatMs);
      const end = () => {
        clearInterval(heartbeat);
        stop();
        open.delete(response);
      };
      response.once('close', end);
      return reply;
    },
  );
};
