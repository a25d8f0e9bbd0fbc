import { describe, expect, it } from 'vitest';
import { PublishStats } from '../publisher.js';
import { liveRegistry } from './live-metrics.js';
import { LiveStats } from './live-source.js';

describe('live metrics', () => {
  it('exports trades, ticks published, rejects, reconnects and seconds since the last message', async () => {
    const publish = new PublishStats();
    const live = new LiveStats();
    const registry = liveRegistry('stock-prices', 'finnhub', publish, live, () => 10_000);
    expect(await registry.metrics()).toContain('live_seconds_since_last_message{source="finnhub"} -1');
    Object.assign(live, {
      tradesReceived: 42,
      rejects: 3,
      reconnects: 2,
      lastMessageAt: 7_500,
      connected: true,
    });
    publish.sent = 9;
    const text = await registry.metrics();
    for (const line of [
      'live_trades_received_total{source="finnhub"} 42',
      'live_ticks_published_total{source="finnhub"} 9',
      'live_rejects_total{source="finnhub"} 3',
      'live_reconnects_total{source="finnhub"} 2',
      'live_seconds_since_last_message{source="finnhub"} 2.5',
      'live_connected{source="finnhub"} 1',
      'producer_messages_sent_total{topic="stock-prices"} 9',
    ]) {
      expect(text).toContain(line);
    }
  });
});
