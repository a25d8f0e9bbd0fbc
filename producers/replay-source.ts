/**
 * The replay stream: good rows become messages, bad rows are counted and go to the reject file
 * without stopping the stream.
 */
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import type { PublishStats } from './publisher.js';
import type { RejectFile } from './reject-file.js';
import type { ReplayRow } from './replay-reader.js';

export async function* replayMessages(
  rows: AsyncIterable<ReplayRow>,
  rejects: RejectFile,
  stats: PublishStats,
): AsyncGenerator<OutgoingMessage> {
  for await (const row of rows) {
    if (row.ok) {
      yield row.message;
    } else {
      stats.rejects++;
      await rejects.write(row.line, row.rejection, row.raw);
    }
  }
}
