import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import { MemoryEventLog } from '../infra/kafka/memory-event-log.js';
import { sleep } from '../infra/retry.js';
import { ratePacer, replayPacer } from './pacing.js';
import { PublishStats, publish } from './publisher.js';
import { EventLogSink, FatalSinkError, JsonLinesSink, type Sink } from './sinks.js';

const messages = (n: number): OutgoingMessage[] =>
  Array.from({ length: n }, (_, i) => ({ key: `k${i % 7}`, value: JSON.stringify({ i }), timestamp: i }));
const fastRetry = { initialDelayMs: 1, maxDelayMs: 2 };

/** A sink that fails on chosen attempts and records what it accepted and how many writes overlapped. */
function flakySink(failOnAttempts: Set<number>) {
  const accepted: string[] = [];
  let attempt = 0;
  let active = 0;
  let maxActive = 0;
  const sink: Sink = {
    description: 'flaky',
    async write(batch) {
      attempt++;
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(1);
      active--;
      if (failOnAttempts.has(attempt)) throw new Error(`broker unavailable (attempt ${attempt})`);
      for (const m of batch) accepted.push(m.value as string);
    },
  };
  return { sink, accepted, maxActive: () => maxActive };
}

describe('publisher', () => {
  it('publishes every message to the event log in order, keyed', async () => {
    const log = new MemoryEventLog({ defaultPartitions: 1 });
    const result = await publish({
      source: messages(2500),
      sink: new EventLogSink(log, 'tweets'),
      maxBatch: 1000,
    });
    expect(result).toEqual({ sent: 2500, unsent: 0, errors: 0, reason: 'end' });
    const consumer = await log.consumer({ groupId: 'g', topics: ['tweets'], fromBeginning: true });
    const read = await consumer.poll({ maxMessages: 5000, maxWaitMs: 10 });
    expect(read.map((m) => JSON.parse(Buffer.from(m.value).toString()).i)).toEqual([...Array(2500).keys()]);
    expect(read[3]?.key).toBe('k3');
  });

  it('retries a failed batch until it goes through and never skips past it', async () => {
    const { sink, accepted } = flakySink(new Set([2, 3, 4]));
    const stats = new PublishStats();
    const result = await publish({ source: messages(50), sink, maxBatch: 10, retry: fastRetry, stats });
    expect(result).toMatchObject({ sent: 50, unsent: 0, errors: 3, reason: 'end' });
    expect(accepted.map((v) => JSON.parse(v).i)).toEqual([...Array(50).keys()]);
    expect(stats.errors).toBe(3);
  });

  it('keeps at most one batch in flight', async () => {
    const { sink, maxActive } = flakySink(new Set());
    await publish({ source: messages(100), sink, maxBatch: 5 });
    expect(maxActive()).toBe(1);
  });

  it('takes messages from an async source (a replay file)', async () => {
    async function* source() {
      yield* messages(30);
    }
    const { sink, accepted } = flakySink(new Set());
    const result = await publish({ source: source(), sink, maxBatch: 7 });
    expect(result.sent).toBe(30);
    expect(accepted).toHaveLength(30);
  });

  it('stops intake when aborted and reports what it sent', async () => {
    const abort = new AbortController();
    const { sink } = flakySink(new Set());
    function* endless() {
      for (let i = 0; ; i++) {
        if (i === 100) abort.abort();
        yield { key: null, value: String(i) };
      }
    }
    const result = await publish({ source: endless(), sink, maxBatch: 10, signal: abort.signal });
    expect(result.reason).toBe('stopped');
    expect(result.sent).toBe(100);
  });

  it('gives up on a batch only when stopped during an outage, counting it as unsent', async () => {
    const abort = new AbortController();
    let attempts = 0;
    const sink: Sink = {
      description: 'down',
      async write() {
        attempts++;
        if (attempts === 3) abort.abort();
        throw new Error('connection refused');
      },
    };
    const result = await publish({
      source: messages(10),
      sink,
      maxBatch: 10,
      retry: fastRetry,
      signal: abort.signal,
    });
    expect(result).toMatchObject({ sent: 0, unsent: 10, reason: 'stopped' });
    expect(result.errors).toBe(3);
  });

  it('ends without retrying when the output is closed', async () => {
    let attempts = 0;
    const sink: Sink = {
      description: 'closed',
      async write() {
        attempts++;
        throw new FatalSinkError('EPIPE');
      },
    };
    const result = await publish({ source: messages(30), sink, maxBatch: 10 });
    expect(result.reason).toBe('output-closed');
    expect(attempts).toBe(1);
    expect(result.sent).toBe(0);
  });
});

describe('stdout output', () => {
  it('writes one wire JSON message per line, waiting for a slow reader instead of buffering', async () => {
    const chunks: string[] = [];
    let maxBuffered = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        setTimeout(done, 0);
      },
    });
    const sink = new JsonLinesSink(slow);
    const probe: Sink = {
      description: 'probe',
      async write(batch) {
        maxBuffered = Math.max(maxBuffered, slow.writableLength);
        await sink.write(batch);
      },
    };
    const result = await publish({ source: messages(2000), sink: probe, maxBatch: 50 });
    expect(result.sent).toBe(2000);
    await new Promise<void>((resolve) => slow.end(resolve));
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).i)).toEqual([...Array(2000).keys()]);
    // With backpressure the buffer never holds more than one batch beyond the high-water mark.
    expect(maxBuffered).toBeLessThan(1024 + 50 * 20);
  });

  it('reports a closed pipe as the end of the output', async () => {
    const stream = new PassThrough();
    const sink = new JsonLinesSink(stream);
    stream.destroy(new Error('EPIPE'));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(sink.write(messages(1))).rejects.toBeInstanceOf(FatalSinkError);
  });
});

describe('pacing', () => {
  it('spaces messages 1/rate apart', () => {
    const pacer = ratePacer(100);
    const dues = [0, 1, 2].map(() => pacer.due({ key: null, value: '' }, 1000));
    expect(dues).toEqual([1000, 1010, 1020]);
  });

  it('re-bases instead of bursting a backlog after falling far behind', () => {
    const pacer = ratePacer(10);
    pacer.due({ key: null, value: '' }, 0);
    expect(pacer.due({ key: null, value: '' }, 60_000)).toBe(60_000);
    expect(pacer.due({ key: null, value: '' }, 60_000)).toBe(60_100);
  });

  it('replays at the original pace divided by the speed, not waiting for out-of-order rows', () => {
    const pacer = replayPacer(2);
    const at = (timestamp: number) => pacer.due({ key: null, value: '', timestamp }, 0);
    expect([at(10_000), at(12_000), at(11_000), at(14_000)]).toEqual([0, 1000, 1000, 2000]);
  });
});
