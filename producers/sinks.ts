/**
 * Where published batches go. A sink's `write` resolves once the batch is safe (acknowledged by
 * the event log, or handed to stdout without overrunning it) and rejects when it is not; the
 * publisher decides about retries. A FatalSinkError says retrying is pointless (stdout closed).
 */
import type { Writable } from 'node:stream';
import type { EventLog, OutgoingMessage } from '../infra/kafka/event-log.js';

export interface Sink {
  readonly description: string;
  write(batch: OutgoingMessage[]): Promise<void>;
}

export class FatalSinkError extends Error {
  override name = 'FatalSinkError';
}

/** Publishes to a topic of the event log: real Kafka (acks=all in the adapter) or the embedded log. */
export class EventLogSink implements Sink {
  readonly description: string;

  constructor(
    private readonly eventLog: EventLog,
    private readonly topic: string,
  ) {
    this.description = `topic ${topic}`;
  }

  async write(batch: OutgoingMessage[]): Promise<void> {
    // Messages carry their event time for pacing; the log record gets arrival time instead, since
    // Kafka's retention counts from the record timestamp and would delete a replay of old events
    // (or a seeded run's virtual clock) as soon as it looked. Event time stays in the payload.
    await this.eventLog.produce(
      this.topic,
      batch.map(({ key, value, headers }) => (headers ? { key, value, headers } : { key, value })),
    );
  }
}

/**
 * JSON lines on a stream (stdout): the wire JSON of each message, one per line. Waits for 'drain'
 * when the stream's buffer is full, so a slow reader (`| gzip > file`) slows the producer down
 * instead of filling memory; a closed pipe (`| head`) ends the run.
 */
export class JsonLinesSink implements Sink {
  readonly description = 'stdout';
  private closedBy: Error | undefined;

  constructor(private readonly stream: Writable) {
    stream.on('error', (error) => {
      this.closedBy = error;
    });
  }

  async write(batch: OutgoingMessage[]): Promise<void> {
    if (this.closedBy) throw new FatalSinkError(`output closed: ${this.closedBy.message}`);
    let text = '';
    for (const message of batch) {
      text += typeof message.value === 'string' ? message.value : Buffer.from(message.value).toString('utf8');
      text += '\n';
    }
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        cleanup();
        resolve();
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new FatalSinkError(`output closed: ${error.message}`));
      };
      const onClose = () => {
        cleanup();
        reject(new FatalSinkError('output closed'));
      };
      const cleanup = () => {
        this.stream.off('drain', onDrain);
        this.stream.off('error', onError);
        this.stream.off('close', onClose);
      };
      this.stream.on('drain', onDrain);
      this.stream.on('error', onError);
      this.stream.on('close', onClose);
    });
  }
}
