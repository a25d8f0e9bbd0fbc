/**
 * Our speed layer on the Spark anchor's work, no sinks: read the tweets topic from the start
 * through our Kafka consumer, decode, score with VADER, extract cashtags, re-key each mention by
 * symbol (encode and decode the internal record, in process, where Spark shuffles), and count
 * one-minute windows per symbol with the two-minute watermark (SymbolTask; it also holds each
 * mention for its as-of price, work Spark's query does not do). No bronze, no Cassandra, no
 * internal topic: the same work as the Spark query, so the ratio compares like with like.
 */
import type { EventLog } from '../../infra/kafka/event-log.js';
import { vaderScorer } from '../../speed-layer/sentiment/vader.js';
import { SymbolTask } from '../../speed-layer/symbol-task.js';
import { TweetIngest } from '../../speed-layer/tweet-ingest.js';
import { inProcessRekey } from '../in-process-rekey.js';

export interface OperatorsRun {
  tweets: number;
  /** From the first message read to the last one handled. */
  seconds: number;
  cpuSeconds: number;
  minuteRows: number;
}

export async function runOperators(
  eventLog: EventLog,
  options: { topic: string; groupId: string; partitions: number; total: number; delayMs: number },
): Promise<OperatorsRun> {
  const sources = Array.from({ length: options.partitions }, (_, p) => p);
  const scorer = vaderScorer();
  const ingests = sources.map(
    (partition) =>
      new TweetIngest(
        { partition, delayMs: options.delayMs, futureSkewMs: 300_000, idleTimeoutMs: 30_000, scorer },
        undefined,
        0,
      ),
  );
  const tasks = sources.map(
    (tickPartition) =>
      new SymbolTask({
        delayMs: options.delayMs,
        idleTimeoutMs: 30_000,
        tweetSources: sources,
        tickPartition,
      }),
  );
  const rekey = inProcessRekey(tasks);
  const consumer = await eventLog.consumer({
    groupId: options.groupId,
    topics: [options.topic],
    fromBeginning: true,
  });
  let read = 0;
  let minuteRows = 0;
  let first = 0;
  let cpuStart = process.cpuUsage();
  try {
    while (read < options.total) {
      const batch = await consumer.poll({ maxMessages: 5000, maxWaitMs: 100 });
      if (batch.length === 0) continue;
      if (read === 0) {
        first = performance.now();
        cpuStart = process.cpuUsage();
      }
      const now = Date.now();
      for (const m of batch) ingests[m.partition]?.process(m, now);
      read += batch.length;
      for (const ingest of ingests) {
        ingest.flushMarkers(now);
        rekey(ingest.drain().internal, now);
      }
      for (const task of tasks) minuteRows += task.drain(now).minutes.length;
    }
  } finally {
    await consumer.close();
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    tweets: read,
    seconds: (performance.now() - first) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    minuteRows,
  };
}
