import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from '../infra/kafka/memory-event-log.js';
import { EventLogSink } from './sinks.js';

describe('event-log sink', () => {
  it('publishes old events with arrival time as the record time, so retention cannot drop them', async () => {
    const log = new MemoryEventLog();
    const eventTime = Date.UTC(2020, 0, 1);
    const before = Date.now();
    await new EventLogSink(log, 'tweets').write([{ key: '1', value: '{"id":"1"}', timestamp: eventTime }]);
    const consumer = await log.consumer({ groupId: 'g', topics: ['tweets'], fromBeginning: true });
    const [record] = await consumer.poll({ maxWaitMs: 100 });
    await consumer.close();
    expect(record?.timestamp).toBeGreaterThanOrEqual(before);
    expect(new TextDecoder().decode(record?.value)).toBe('{"id":"1"}');
  });
});
