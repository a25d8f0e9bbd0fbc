import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, openBackends } from '../../infra/backends.js';
import { MemoryViewStore } from '../../infra/cassandra/memory-view-store.js';
import type { ViewQuery, ViewRow, ViewStore } from '../../infra/cassandra/view-store.js';
import { loadConfig } from '../../infra/config.js';
import { TABLES } from '../../schemas/cassandra.js';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';
import { alertRow, BULLISH_RULE, putAlerts } from '../alerts/test-alerts.js';
import { type App, buildApp } from '../app.js';
import { streamRoutes } from './stream.js';

function minuteRow(symbol: string, minute: number, tweets: number): SentimentMinuteRow {
  return {
    symbol,
    day: utcDay(minute),
    minute,
    tweet_count: tweets,
    positive_count: 0,
    neutral_count: tweets,
    negative_count: 0,
    compound_sum: 0,
    tweet_count_5m: tweets,
    positive_count_5m: 0,
    neutral_count_5m: tweets,
    negative_count_5m: 0,
    compound_sum_5m: 0,
    tick_count: 0,
    final: false,
    updated_at: Date.now(),
  };
}

const thisMinute = () => Date.now() - (Date.now() % MINUTE_MS);

interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
}

/** Reads a text/event-stream response event by event (comments skipped). */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<SseEvent | 'end'> {
      for (;;) {
        const cut = buffer.indexOf('\n\n');
        if (cut >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const field = line.slice(0, colon) as keyof SseEvent | 'retry';
            if (field === 'retry') continue;
            event[field] = line.slice(colon + 1).trimStart();
          }
          if (event.event || event.data) return event;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) return 'end';
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('GET /v1/stream in the app', () => {
  let app: App;
  let backends: Backends;
  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    backends = await openBackends(
      loadConfig({ LAKE_DIR: mkdtempSync(join(tmpdir(), 'api-stream-')) }),
      logger,
    );
    app = await buildApp({ logger, backends, version: '0.0.0-test' });
  });
  afterAll(async () => {
    await app.close();
    await backends.close();
  });

  it.each([
    ['no symbols', ''],
    ['an empty list', '?symbols='],
    ['a malformed symbol', '?symbols=AAPL,TOOLONGX'],
    ['a trailing comma', '?symbols=AAPL,'],
    [
      '21 symbols',
      `?symbols=${Array.from({ length: 21 }, (_, i) => `S${String.fromCharCode(65 + i)}`).join(',')}`,
    ],
  ])('answers %s with a 400 naming the parameter', async (_, query) => {
    const response = await app.inject({ method: 'GET', url: `/v1/stream${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/symbols/);
  });

  it('is documented in the OpenAPI document as an event stream', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const operation = doc.paths['/v1/stream'].get;
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(['symbols']);
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/event-stream']);
  });

  it('streams the minute rows of the symbols asked for, upper-cased, and ends on app close', async () => {
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const minute = thisMinute();
    await backends.viewStore.upsert(TABLES.sentimentByMinute.name, [
      minuteRow('AAPL', minute, 4),
      minuteRow('MSFT', minute, 9),
    ]);
    const response = await fetch(`${address}/v1/stream?symbols=aapl,TSLA`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseReader(response.body as ReadableStream<Uint8Array>);
    const first = await events.next();
    expect(first).toMatchObject({ event: 'minute', id: `AAPL@${new Date(minute).toISOString()}` });
    expect(JSON.parse((first as SseEvent).data as string)).toMatchObject({ symbol: 'AAPL', tweets: 4 });
    await backends.viewStore.upsert(TABLES.sentimentByMinute.name, [minuteRow('TSLA', minute, 2)]);
    const second = await events.next();
    expect(JSON.parse((second as SseEvent).data as string)).toMatchObject({ symbol: 'TSLA', tweets: 2 });
    // close() must not wait for the open stream: it ends it.
    await app.close();
    expect(await events.next()).toBe('end');
  });
});

/** The memory store, counting reads, so that a test sees when polling stops. */
class CountingStore implements ViewStore {
  reads = 0;
  constructor(private readonly inner: ViewStore) {}
  ensureSchema() {
    return this.inner.ensureSchema();
  }
  upsert(...args: Parameters<ViewStore['upsert']>) {
    return this.inner.upsert(...args);
  }
  query<R extends ViewRow = ViewRow>(table: Parameters<ViewStore['query']>[0], query: ViewQuery) {
    this.reads++;
    return this.inner.query<R>(table, query);
  }
  close() {
    return this.inner.close();
  }
}

describe('GET /v1/stream, its connections', () => {
  it('stops reading the view once the last client disconnects', async () => {
    const store = new CountingStore(new MemoryViewStore({ defaultTtlSeconds: 0 }));
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    await app.register(streamRoutes, { viewStore: store, feed: { pollIntervalMs: 10 } });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      await store.upsert(TABLES.sentimentByMinute.name, [minuteRow('BTC', thisMinute(), 1)]);
      const controller = new AbortController();
      const response = await fetch(`${address}/v1/stream?symbols=BTC`, { signal: controller.signal });
      const events = sseReader(response.body as ReadableStream<Uint8Array>);
      expect(await events.next()).toMatchObject({ event: 'minute' });
      controller.abort();
      let reads = -1;
      // Polling stops once the server has seen the connection close; reads then stay put.
      for (let i = 0; i < 200 && reads !== store.reads; i++) {
        reads = store.reads;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(store.reads).toBe(reads);
      await new Promise((r) => setTimeout(r, 100));
      expect(store.reads).toBe(reads);
    } finally {
      await app.close();
    }
  });

  it('sends the followed symbols’ alerts as alert events, when they open and when they close', async () => {
    const store = new MemoryViewStore({ defaultTtlSeconds: 0 });
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    await app.register(streamRoutes, {
      viewStore: store,
      feed: { pollIntervalMs: 10, alertPollIntervalMs: 0 },
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const opened = thisMinute() - 20 * MINUTE_MS;
      await putAlerts(store, [alertRow('ETH', opened), alertRow('SOL', opened)]);
      const response = await fetch(`${address}/v1/stream?symbols=eth`);
      const events = sseReader(response.body as ReadableStream<Uint8Array>);
      const first = (await events.next()) as SseEvent;
      const id = `bearish-sentiment-price-drop:ETH:${new Date(opened).toISOString().slice(0, 16)}Z`;
      expect(first).toMatchObject({ event: 'alert', id: `${id}/opened` });
      expect(JSON.parse(first.data as string)).toMatchObject({
        alert_id: id,
        symbol: 'ETH',
        status: 'open',
        closed_at: null,
        opened_at: new Date(opened).toISOString(),
      });
      await putAlerts(store, [alertRow('ETH', opened, { closedAt: thisMinute() })]);
      const second = (await events.next()) as SseEvent;
      expect(second).toMatchObject({ event: 'alert', id: `${id}/closed` });
      expect(JSON.parse(second.data as string)).toMatchObject({ status: 'closed' });
      await putAlerts(store, [alertRow('ETH', opened + MINUTE_MS, { rule: BULLISH_RULE })]);
      const third = (await events.next()) as SseEvent;
      expect(JSON.parse(third.data as string)).toMatchObject({ direction: 'bullish', symbol: 'ETH' });
      await events.cancel();
    } finally {
      await app.close();
    }
  });

  it('sends heartbeats on an idle stream', async () => {
    const app = Fastify().withTypeProvider<TypeBoxTypeProvider>();
    await app.register(streamRoutes, {
      viewStore: new MemoryViewStore({ defaultTtlSeconds: 0 }),
      heartbeatMs: 20,
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`${address}/v1/stream?symbols=ETH`);
      const reader = (response.body as ReadableStream<Uint8Array>)
        .pipeThrough(new TextDecoderStream())
        .getReader();
      let text = '';
      while (!text.includes(': heartbeat')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      expect(text).toContain(': heartbeat\n\n');
      await reader.cancel();
    } finally {
      await app.close();
    }
  });
});
