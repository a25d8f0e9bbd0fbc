import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { producerRegistry, serveMetrics } from './metrics.js';
import { formatProgress } from './progress.js';
import { PublishStats } from './publisher.js';

describe('producer metrics', () => {
  it('expose the live counters by topic on /metrics', async () => {
    const stats = new PublishStats();
    stats.sent = 1234;
    stats.errors = 2;
    const server = await serveMetrics(producerRegistry('tweets', stats), 0);
    try {
      const { port } = server.address() as AddressInfo;
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(body).toContain('producer_messages_sent_total{topic="tweets"} 1234');
      expect(body).toContain('producer_send_errors_total{topic="tweets"} 2');
      stats.sent = 2000;
      const again = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(again).toContain('producer_messages_sent_total{topic="tweets"} 2000');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('format the progress line with rate, sent, errors and rejects', () => {
    const stats = new PublishStats();
    stats.sent = 5000;
    stats.errors = 1;
    stats.rejects = 3;
    expect(formatProgress('replay', stats, stats.startedAt + 2000)).toBe(
      'replay: 2,500/s | sent 5,000 | errors 1 | rejects 3',
    );
  });
});
