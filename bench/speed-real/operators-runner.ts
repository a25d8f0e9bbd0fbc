/**
 * Our speed layer on the Spark anchor's work, no sinks: read the tweets topic from the start
 * through our Kafka consumer, decode, score with VADER, extract cashtags, re-key each mention by
 * symbol (encode and decode the internal records, in process, where Spark shuffles), and count
 * one-minute windows per symbol with the two-minute watermark (SymbolTask; it also holds each
 * mention for its as-of price, work Spark's query does not do). No bronze, no Cassandra, no
 * internal topic: the same work as the Spark query, so the ratio compares like with like.
 *
 * One process does it on one core. `members` processes in one group (operators-child.ts) split the
 * partitions, each then windows its own share of the mentions: the same work per tweet on as many
 * cores (Spark's partial aggregation before its shuffle), not the merged result of one task per
 * symbol, which needs the internal topic.
 */
import type { EventLog } from '../../infra/kafka/event-log.js';
import { sleep } from '../../infra/retry.js';
import { vaderScorer } from '../../speed-layer/sentiment/vader.js';
import { DEFAULT_POLL_MAX_BYTES } from '../../speed-layer/stage-loop.js';
import { SymbolTask } from '../../speed-layer/symbol-task.js';
import { TweetIngest } from '../../speed-layer/tweet-ingest.js';
import { inProcessRekey } from '../in-process-rekey.js';

export interface OperatorsRun {
  tweets: number;
  /** Epoch ms of the first message read and of the last one handled. */
  firstAt: number;
  lastAt: number;
  /** From the first message read to the last one handled. */
  seconds: number;
  cpuSeconds: number;
  minuteRows: number;
  /** Messages delivered again after a rebalance, skipped. */
  redelivered: number;
  partitions: number[];
}

export async function runOperators(
  eventLog: EventLog,
  options: { topic: string; groupId: string; partitions: number; delayMs: number; members?: number },
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
  // With several members, read nothing before the group has split the partitions: a member that
  // started alone would read partitions it then loses, work done twice.
  const share = Math.floor(options.partitions / (options.members ?? 1));
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(50)) {
    const owned = consumer.assignment().length;
    if (owned > 0 && owned <= share) break;
  }
  const owned = consumer.assignment().map((tp) => tp.partition);
  const ends = await eventLog.endOffsets(options.topic);
  const total = owned.reduce((n, p) => n + (ends.get(p) ?? 0), 0);
  // Positions are committed each second, as the stages do: a rebalance (a member of a
  // multi-process run leaving when it is done) puts the others back at their commits, and what
  // comes again is skipped, as the stages skip what is below their resume offsets.
  const next = new Map<number, number>();
  let committedAt = Date.now();
  let redelivered = 0;
  let read = 0;
  let minuteRows = 0;
  let first = 0;
  let firstAt = 0;
  let cpuStart = process.cpuUsage();
  try {
    while (read < total) {
      const polled = await consumer.poll({
        maxMessages: 5000,
        maxBytes: DEFAULT_POLL_MAX_BYTES,
        maxWaitMs: 100,
      });
      const batch = polled.filter((m) => m.offset >= (next.get(m.partition) ?? 0));
      redelivered += polled.length - batch.length;
      for (const m of batch) next.set(m.partition, m.offset + 1);
      if (batch.length === 0) continue;
      if (read === 0) {
        first = performance.now();
        firstAt = Date.now();
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
      if (now - committedAt >= 1000) {
        committedAt = now;
        const owned = new Set(consumer.assignment().map((tp) => tp.partition));
        await consumer
          .commit(
            [...next]
              .filter(([p]) => owned.has(p))
              .map(([partition, offset]) => ({ topic: options.topic, partition, offset })),
          )
          .catch(() => undefined); // refused mid-rebalance: the next second commits again
      }
    }
  } finally {
    await consumer.close();
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    tweets: read,
    firstAt,
    lastAt: Date.now(),
    seconds: (performance.now() - first) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    minuteRows,
    redelivered,
    partitions: owned.sort((a, b) => a - b),
  };
}
