/**
 * Prometheus metrics of `sentiment produce live`: the producer's own (messages sent, send errors,
 * rejects; producers/metrics.ts) plus the live feed's, read from the source's stats at scrape
 * time: trades received, ticks published, rejects by kind, reconnects, seconds since the last
 * message, and whether a connection is up.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { producerRegistry } from '../metrics.js';
import type { PublishStats } from '../publisher.js';
import type { LiveStats } from './live-source.js';

export function liveRegistry(
  topic: string,
  source: string,
  publishStats: PublishStats,
  live: LiveStats,
  now: () => number = Date.now,
): Registry {
  const registry = producerRegistry(topic, publishStats);
  const labels = { source };
  const mirrored = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      labelNames: ['source'],
      registers: [registry],
      collect() {
        this.reset();
        const value = read();
        if (value > 0) this.inc(labels, value);
      },
    });
  mirrored(
    'live_trades_received_total',
    'trades received from the service, valid or not',
    () => live.tradesReceived,
  );
  mirrored(
    'live_ticks_published_total',
    'one-second ticks acknowledged by the output',
    () => publishStats.sent,
  );
  mirrored(
    'live_rejects_total',
    'refused trades and malformed frames (written to the reject file)',
    () => live.rejects,
  );
  mirrored(
    'live_late_trades_total',
    'trades refused because their second was already published',
    () => live.lateTrades,
  );
  mirrored('live_reconnects_total', 'connection attempts after the first', () => live.reconnects);
  mirrored(
    'live_missed_trades_total',
    'trades a closed service candle counted that never reached us',
    () => live.missedTrades,
  );
  new Gauge({
    name: 'live_seconds_since_last_message',
    help: 'seconds since the last frame, ping or pong from the service (-1 before the first)',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.set(labels, live.lastMessageAt === undefined ? -1 : (now() - live.lastMessageAt) / 1000);
    },
  });
  new Gauge({
    name: 'live_connected',
    help: '1 while a connection to the service is open',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.set(labels, live.connected ? 1 : 0);
    },
  });
  return registry;
}
