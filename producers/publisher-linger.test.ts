import { describe, expect, it, vi } from 'vitest';
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import { publish } from './publisher.js';
import type { Sink } from './sinks.js';

describe('publisher with a slow source', () => {
  it('sends a started batch once the source has nothing more for a while, without waiting for it to fill', async () => {
    const written: string[][] = [];
    const sink: Sink = {
      description: 'memory',
      async write(batch) {
        written.push(batch.map((m) => m.value as string));
      },
    };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let returned = false;
    async function* live(): AsyncGenerator<OutgoingMessage> {
      try {
        yield { key: 'AAPL', value: 'tick-1', timestamp: 1 };
        yield { key: 'AAPL', value: 'tick-2', timestamp: 2 };
        await gate; // a live feed between two seconds
        yield { key: 'AAPL', value: 'tick-3', timestamp: 3 };
      } finally {
        returned = true;
      }
    }
    const running = publish({ source: live(), sink, maxBatch: 1000, lingerMs: 5 });
    await vi.waitFor(() => expect(written).toEqual([['tick-1', 'tick-2']]));
    release();
    expect(await running).toMatchObject({ sent: 3, unsent: 0, reason: 'end' });
    expect(written).toEqual([['tick-1', 'tick-2'], ['tick-3']]);
    expect(returned).toBe(true);
  });
});
