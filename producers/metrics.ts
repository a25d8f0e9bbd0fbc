/**
 * Prometheus counters of a producer process on `--metrics-port` (or METRICS_PORT): what was sent,
 * failed attempts and rejected rows, labelled by topic. The counters read the publisher's live
 * stats at scrape time, so the hot path only bumps plain numbers.
 */
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import type { PublishStats } from './publisher.js';

export function producerRegistry(topic: string, stats: PublishStats): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const mirrored = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      labelNames: ['topic'],
      registers: [registry],
      collect() {
        this.reset();
        const value = read();
        if (value > 0) this.inc({ topic }, value);
      },
    });
  mirrored('producer_messages_sent_total', 'messages acknowledged by the output', () => stats.sent);
  mirrored(
    'producer_send_errors_total',
    'failed attempts to write a batch (each retried)',
    () => stats.errors,
  );
  mirrored('producer_rows_rejected_total', 'replayed rows refused by schema validation', () => stats.rejects);
  return registry;
}

/** Serves `/metrics` on `host`:`port` (the CLI passes API_HOST); resolves once listening. */
export async function serveMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: Error) => response.writeHead(500).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
