/**
 * Publication → visible in Cassandra, at a paced rate: tweets stamped with the wall clock at the
 * moment they are handed to Kafka, a sample of them polled by primary key in `tweets_by_symbol`,
 * and the current `sentiment_by_minute` rows of a few symbols polled, so that a minute row holding
 * k tweets dates the arrival of the k-th tweet published into it. The probe's own reads are kept
 * few (one tweet in `sampleEvery`, minute rows of at most MINUTE_SYMBOLS symbols): Cassandra
 * shares the cores with what is measured.
 */
import cassandra from 'cassandra-driver';
import type { EventLog, OutgoingMessage } from '../../infra/kafka/event-log.js';
import { sleep } from '../../infra/retry.js';
import { PriceWalk } from '../../producers/price-walk.js';
import { tickMessage, tweetMessage } from '../../producers/synthetic-source.js';
import { TweetGenerator } from '../../producers/tweet-generator.js';
import { MINUTE_MS, utcDay } from '../../schemas/time.js';
import { extractCashtags } from '../../speed-layer/cashtags.js';

export interface LatencyOptions {
  eventLog: EventLog;
  cassandra: { contactPoints: string[]; localDataCenter: string; keyspace: string };
  tweetsTopic: string;
  pricesTopic: string;
  ratePerSecond: number;
  seconds: number;
  /** Every n-th tweet with a cashtag is polled for its tweets_by_symbol row. */
  sampleEvery: number;
}

export interface LatencyResult {
  published: number;
  /** Achieved publication rate. */
  publishedPerSecond: number;
  /** ms from publication to the tweets_by_symbol row being read back (poll every 20 ms). */
  tweetRow: number[];
  tweetRowMissing: number;
  /** ms from publication to the first poll (every 100 ms) showing a minute row that counts the tweet. */
  minuteRowSeen: number[];
  /** ms from publication to that row's updated_at (the stage's processing time of the upsert). */
  minuteRowUpdatedAt: number[];
  minuteRowMissing: number;
  /** produce calls that failed (a server restarted by another run) */
  failedBatches: number;
}

interface Sample {
  symbol: string;
  minute: number;
  createdAt: number;
  /** 1-based position among the tweets published into (symbol, minute) */
  rank: number;
}

interface Observation {
  count: number;
  updatedAt: number;
  seenAt: number;
}

/** Symbols whose minute rows are polled (the first ones sampled). */
const MINUTE_SYMBOLS = 8;

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function measureLatency(o: LatencyOptions): Promise<LatencyResult> {
  const client = new cassandra.Client({
    contactPoints: o.cassandra.contactPoints,
    localDataCenter: o.cassandra.localDataCenter,
    keyspace: o.cassandra.keyspace,
    queryOptions: { prepare: true, consistency: cassandra.types.consistencies.one },
  });
  await client.connect();
  const tweets = new TweetGenerator({
    seed: 'speed-real-latency',
    timeline: { clock: 'real', ratePerSecond: o.ratePerSecond, jitterMs: 0, lateRatio: 0 },
  });
  const walk = new PriceWalk({
    seed: 'speed-real-latency',
    timeline: { clock: 'real', ratePerSecond: 14, jitterMs: 0, lateRatio: 0 },
  });
  const published = new Map<string, number>(); // (symbol, minute) -> tweets published into it
  const samples: Sample[] = [];
  const minuteSymbols = new Set<string>();
  const tweetRow: number[] = [];
  let tweetRowMissing = 0;
  const probes: Promise<void>[] = [];
  let stopPolling = false;
  const observations = new Map<string, Observation[]>();
  const startMinute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;

  const probe = async (symbol: string, createdAt: number, id: string) => {
    const params = [symbol, cassandra.types.LocalDate.fromString(utcDay(createdAt)), new Date(createdAt), id];
    const deadline = createdAt + 20_000;
    while (Date.now() < deadline) {
      const askedAt = Date.now();
      // A speed layer falling behind leaves thousands of probes polling: the driver then refuses
      // requests (BusyConnectionError); that is a miss for this poll, not the end of the bench.
      const found = await client
        .execute(
          'SELECT id FROM tweets_by_symbol WHERE symbol = ? AND day = ? AND created_at = ? AND id = ?',
          params,
        )
        .catch(() => undefined);
      if (found && found.rowLength > 0) {
        tweetRow.push(askedAt - createdAt);
        return;
      }
      await sleep(found ? 20 : 100);
    }
    tweetRowMissing++;
  };

  const pollMinutes = async () => {
    while (!stopPolling) {
      const started = Date.now();
      await Promise.all(
        [...minuteSymbols].map(async (symbol) => {
          const result = await client
            .execute(
              'SELECT minute, tweet_count, updated_at FROM sentiment_by_minute WHERE symbol = ? AND day = ? AND minute >= ?',
              [symbol, cassandra.types.LocalDate.fromString(utcDay(started)), new Date(startMinute)],
            )
            .catch(() => ({ rows: [] }));
          const seenAt = Date.now();
          for (const row of result.rows) {
            const key = `${symbol}|${(row.minute as Date).getTime()}`;
            const list = observations.get(key) ?? [];
            list.push({
              count: Number(row.tweet_count),
              updatedAt: (row.updated_at as Date).getTime(),
              seenAt,
            });
            observations.set(key, list);
          }
        }),
      );
      await sleep(Math.max(0, 100 - (Date.now() - started)));
    }
  };
  const poller = pollMinutes();

  // Paced publication: every 10 ms, what the rate owes since the start, in one produce call.
  const start = Date.now();
  const end = start + o.seconds * 1000;
  let sent = 0;
  let ticksSent = 0;
  let withCashtag = 0;
  let failedBatches = 0;
  const inFlight = new Set<Promise<unknown>>();
  while (Date.now() < end) {
    const owed = Math.floor(((Date.now() - start) / 1000) * o.ratePerSecond) - sent;
    if (owed > 0) {
      const batch: OutgoingMessage[] = [];
      for (let i = 0; i < owed; i++) {
        const t = tweets.next();
        const tags = extractCashtags(t.text);
        const minute = Math.floor(t.created_at / MINUTE_MS) * MINUTE_MS;
        for (const s of tags) {
          const key = `${s}|${minute}`;
          published.set(key, (published.get(key) ?? 0) + 1);
        }
        const first = tags[0];
        if (first !== undefined && withCashtag++ % o.sampleEvery === 0) {
          if (minuteSymbols.size < MINUTE_SYMBOLS) minuteSymbols.add(first);
          samples.push({
            symbol: first,
            minute,
            createdAt: t.created_at,
            rank: published.get(`${first}|${minute}`) as number,
          });
          probes.push(probe(first, t.created_at, t.id));
        }
        batch.push(tweetMessage(t));
      }
      sent += owed;
      // A server restarted by another run fails a batch: count it (its samples then go missing).
      const p = o.eventLog.produce(o.tweetsTopic, batch).catch(() => {
        failedBatches++;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    const ticksOwed = Math.floor(((Date.now() - start) / 1000) * 14) - ticksSent;
    if (ticksOwed > 0) {
      const ticks = Array.from({ length: ticksOwed }, () => tickMessage(walk.next()));
      ticksSent += ticksOwed;
      const p = o.eventLog.produce(o.pricesTopic, ticks).catch(() => {
        failedBatches++;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    if (inFlight.size > 16) await Promise.race(inFlight);
    await sleep(10);
  }
  await Promise.all(inFlight);
  const publishedSeconds = (Date.now() - start) / 1000;
  await Promise.all(probes);
  await sleep(3000);
  stopPolling = true;
  await poller;
  await client.shutdown();

  const minuteRowSeen: number[] = [];
  const minuteRowUpdatedAt: number[] = [];
  let minuteRowMissing = 0;
  for (const s of samples) {
    if (!minuteSymbols.has(s.symbol)) continue;
    const seen = (observations.get(`${s.symbol}|${s.minute}`) ?? []).find((x) => x.count >= s.rank);
    if (!seen) {
      minuteRowMissing++;
      continue;
    }
    minuteRowSeen.push(seen.seenAt - s.createdAt);
    minuteRowUpdatedAt.push(seen.updatedAt - s.createdAt);
  }
  return {
    published: sent,
    publishedPerSecond: sent / publishedSeconds,
    tweetRow,
    tweetRowMissing,
    minuteRowSeen,
    minuteRowUpdatedAt,
    minuteRowMissing,
    failedBatches,
  };
}
