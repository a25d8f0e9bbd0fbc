/**
 * A generated bronze lake for the engine-agreement and pyarrow tests: a few thousand tweets and
 * ticks of several symbols over several days and hours, with what real bronze has: a tweet id
 * stored twice (a producer retry), identical ticks twice, late rows in the next day's objects,
 * tweets without cashtags, hours with ticks and no tweets. Seeded, so every call gives the same
 * rows; the rows are built once and put into any number of stores.
 */
import Type from 'typebox';
import { putProgress, putTicks, putTweets, tick, tweet } from '../../batch-layer/test-fixture.js';
import type { ObjectStore } from '../../infra/lake/object-store.js';
import { encodeParquet } from '../../infra/lake/parquet-writer.js';
import { Column } from '../../schemas/columns.js';
import { bronzeObjectKey } from '../../schemas/lake.js';
import {
  type BronzeTickRow,
  BronzeTickRowSchema,
  type BronzeTweetRow,
  BronzeTweetRowSchema,
} from '../../schemas/rows.js';

export const GENERATED_DAYS = ['2026-05-04', '2026-05-05', '2026-05-06'];
export const GENERATED_SYMBOLS = ['AAPL', 'AMZN', 'MSFT', 'TSLA'];

/** mulberry32: small, seeded, the same sequence on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BronzeObject<Row> {
  day: string;
  partition: number;
  first: number;
  rows: Row[];
}

export interface GeneratedBronze {
  tweets: BronzeObject<BronzeTweetRow>[];
  ticks: BronzeObject<BronzeTickRow>[];
  tweetRows: number;
  tickRows: number;
  /** Where bronze progress stands (every partition): the end of the last generated day's 20:00 hour. */
  completeUntil: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function generateBronze(tweetsPerDay = 1200, seed = 11): GeneratedBronze {
  const next = random(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] as T;
  const tweets: BronzeObject<BronzeTweetRow>[] = [];
  const ticks: BronzeObject<BronzeTickRow>[] = [];
  let tweetRows = 0;
  let tickRows = 0;
  for (const [d, day] of GENERATED_DAYS.entries()) {
    const start = Date.parse(`${day}T00:00:00Z`);
    // Tweets spread over the day with a busier afternoon; compounds rounded as VADER's are (4 places).
    const dayTweets: BronzeTweetRow[] = [];
    for (let i = 0; i < tweetsPerDay; i++) {
      const hour = next() < 0.5 ? 12 + Math.floor(next() * 8) : Math.floor(next() * 24);
      const at = start + hour * 3_600_000 + Math.floor(next() * 3_600_000);
      const roll = next();
      const symbols =
        roll < 0.05
          ? []
          : roll < 0.8
            ? [pick(GENERATED_SYMBOLS)]
            : [...new Set([pick(GENERATED_SYMBOLS), pick(GENERATED_SYMBOLS)])];
      const compound = Math.round((next() * 2 - 1) * 10_000) / 10_000;
      dayTweets.push(tweet(`${day}-${String(i).padStart(5, '0')}`, iso(at), compound, symbols));
    }
    dayTweets.sort((a, b) => a.created_at - b.created_at);
    // Three partitions, as the speed layer writes them; the day's last 40 tweets arrive late, in the
    // next day's objects (the spill), except on the last day.
    const spill = d < GENERATED_DAYS.length - 1 ? dayTweets.splice(-40) : [];
    for (let p = 0; p < 3; p++)
      tweets.push({ day, partition: p, first: p * 10_000, rows: dayTweets.filter((_, i) => i % 3 === p) });
    if (spill.length > 0) {
      const nextDay = GENERATED_DAYS[d + 1] as string;
      tweets.push({ day: nextDay, partition: 0, first: 50_000 + d * 100, rows: spill });
    }
    tweetRows += dayTweets.length + spill.length;

    // Ticks: each symbol about every 40 s from 08:00 to 21:00, a random walk, OHLC around it.
    for (const [s, symbol] of GENERATED_SYMBOLS.entries()) {
      let price = 100 + 50 * s;
      const rows: BronzeTickRow[] = [];
      for (
        let t = start + 8 * 3_600_000;
        t < start + 21 * 3_600_000;
        t += 20_000 + Math.floor(next() * 40_000)
      ) {
        const open = price;
        price = Math.max(1, Math.round(price * (1 + (next() - 0.5) * 0.004) * 100) / 100);
        rows.push(tick(symbol, iso(t), open, price, Math.round(next() * 1000)));
      }
      // A producer retry: the same tick, all values equal, stored again.
      rows.push({ ...(rows[17] as BronzeTickRow) });
      ticks.push({ day, partition: s % 3, first: 20_000 + s * 5_000, rows });
      tickRows += rows.length;
    }
  }
  // A producer retry of a tweet: the same id again in another partition's object (it counts once).
  const retried = { ...(tweets[1]?.rows[5] as BronzeTweetRow), source_partition: 2, source_offset: 99_999 };
  tweets.push({ day: GENERATED_DAYS[0] as string, partition: 2, first: 99_999, rows: [retried] });
  tweetRows += 1;
  const last = GENERATED_DAYS.at(-1) as string;
  return { tweets, ticks, tweetRows, tickRows, completeUntil: Date.parse(`${last}T20:30:00Z`) };
}

/** Puts every generated object, and bronze progress for partitions 0..2 of both datasets. */
export async function putGeneratedBronze(store: ObjectStore, bronze: GeneratedBronze): Promise<void> {
  for (const o of bronze.tweets) await putTweets(store, o.day, o.rows, o.first, o.partition);
  for (const o of bronze.ticks) await putTicks(store, o.day, o.rows, o.first, o.partition);
  for (const dataset of ['tweets', 'stock_prices'])
    for (let p = 0; p < 3; p++) await putProgress(store, dataset, p, bronze.completeUntil);
}

/**
 * Bronze a run must cope with, in `date=day`: an object that is not Parquet and one of another
 * schema (both to be skipped; their keys are returned), and one from a newer producer with an
 * extra column (to be read; its tweet, `newer-1`, has the symbol given).
 */
export async function putOddBronze(store: ObjectStore, day: string, symbol: string): Promise<string[]> {
  const key = (partition: number) =>
    bronzeObjectKey({ dataset: 'tweets', day, partition, firstOffset: 0, lastOffset: 1 });
  await store.put(key(5), new TextEncoder().encode('not parquet at all'));
  await store.put(key(6), encodeParquet(BronzeTickRowSchema, [tick(symbol, `${day}T10:00:00Z`, 1, 1, 1)]));
  const Newer = Type.Object({ ...BronzeTweetRowSchema.properties, client: Column.text() });
  await store.put(
    key(7),
    encodeParquet(Newer, [{ ...tweet('newer-1', `${day}T12:45:00Z`, 0.6, [symbol]), client: 'v2' }]),
  );
  return [key(5), key(6)];
}
