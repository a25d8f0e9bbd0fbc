import { describe, expect, it } from 'vitest';
import { isRetryable } from '../retry.js';
import { KafkaEventLog } from './kafka-event-log.js';

// Port 1 on loopback: nothing listens, so every connection is refused at once.
const unreachable = () =>
  new KafkaEventLog({ brokers: ['127.0.0.1:1'], clientId: 'unit', retries: 0, requestTimeoutMs: 1000 });

describe('KafkaEventLog without a broker', () => {
  it('fails a produce with a retryable error instead of dropping the messages', async () => {
    const log = unreachable();
    const failure = await log
      .produce('tweets', [{ key: 'AAPL', value: '{}' }])
      .catch((error: unknown) => error);
    expect(isRetryable(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/^kafka: metadata of tweets failed/);
    await log.close();
  });

  it('fails topic creation and offset queries with retryable errors', async () => {
    const log = unreachable();
    for (const attempt of [
      log.createTopics([{ name: 'tweets', partitions: 3 }]),
      log.endOffsets('tweets'),
      log.committedOffsets('speed-layer', 'tweets'),
    ]) {
      expect(
        isRetryable(
          await attempt.then(
            () => undefined,
            (error: unknown) => error,
          ),
        ),
      ).toBe(true);
    }
    await log.close();
  });

  it('refuses a topic spec without a positive partition count', async () => {
    const log = unreachable();
    await expect(log.createTopics([{ name: 'x', partitions: 0 }])).rejects.toThrow();
    await log.close();
  });

  it('produces nothing and needs no broker for an empty batch', async () => {
    const log = unreachable();
    expect(await log.produce('tweets', [])).toEqual([]);
    await log.close();
  });
});
