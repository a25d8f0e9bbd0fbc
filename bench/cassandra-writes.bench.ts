/**
 * Cassandra write throughput into tweets_by_symbol through our adapter: single prepared inserts
 * (maxBatchRows 1, the baseline) against unlogged single-partition batches of several sizes, in
 * the same run, with the same bound on requests in flight (128, the CASSANDRA_WRITES_IN_FLIGHT
 * default). Needs CASSANDRA_CONTACT_POINTS (`eval "$(npx sentiment infra env)"`); writes into a
 * keyspace of its own and drops it at the end.
 *
 * Two shapes of call: large (20,000 rows over 50 symbols, one day: 400 rows a partition) and a
 * speed-layer flush (1,000 rows over 50 symbols: 20 rows a partition).
 */
import { randomUUID } from 'node:crypto';
import cassandraDriver from 'cassandra-driver';
import { CassandraViewStore } from '../infra/cassandra/cassandra-view-store.js';
import { loadConfig } from '../infra/config.js';
import { TABLES } from '../schemas/cassandra.js';
import type { TweetBySymbolRow } from '../schemas/rows.js';
import { type Comparison, measureRateAsync, report } from './harness.js';

const config = loadConfig(process.env);
if (!config.cassandra) {
  process.stderr.write(
    'cassandra-writes: set CASSANDRA_CONTACT_POINTS (eval "$(npx sentiment infra env)")\n',
  );
  process.exit(2);
}
const { contactPoints, localDataCenter } = config.cassandra;
const keyspace = `bench_writes_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const DAY = '2024-05-01';
const T0 = Date.UTC(2024, 4, 1);

let serial = 0;
function rows(count: number): TweetBySymbolRow[] {
  return Array.from({ length: count }, (_, i) => {
    const n = serial++;
    const symbol = SYMBOLS[i % SYMBOLS.length] as string;
    return {
      symbol,
      day: DAY,
      created_at: T0 + (n % 86_400_000),
      id: `1${String(n).padStart(18, '0')}`,
      text: `$${symbol} breaking out again, loading more before the close 🚀 #stocks https://t.co/x${n}`,
      user_id: `user${n % 5000}`,
      compound: 0.6249,
      pos: 0.31,
      neu: 0.69,
      neg: 0,
      label: 'positive',
      price_at_tweet: 187.25,
      price_tick_at: T0 + (n % 86_400_000) - 500,
    };
  });
}

const open = (maxBatchRows: number) =>
  CassandraViewStore.connect({
    contactPoints,
    localDataCenter,
    keyspace,
    replicationFactor: 1,
    defaultTtlSeconds: 3600,
    writesInFlight: config.cassandraWritesInFlight,
    maxBatchRows,
  });

async function rate(maxBatchRows: number, callRows: number, minMs = 4000): Promise<number> {
  const store = await open(maxBatchRows);
  try {
    return await measureRateAsync(() => store.upsert(TABLES.tweetsBySymbol.name, rows(callRows)), callRows, {
      warmupMs: 500,
      minMs,
    });
  } finally {
    await store.close();
  }
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const setup = await open(1);
await setup.ensureSchema();
await setup.close();
// The server's JIT and memtables warm up first, so the first configuration measured is not penalised.
await rate(50, 20_000, 8000);
await rate(1, 1_000, 4000);

const ROUNDS = 3;
const shapes: { callRows: number; batches: number[] }[] = [
  { callRows: 20_000, batches: [1, 25, 50, 100, 200] },
  { callRows: 1_000, batches: [1, 10, 20] },
];
const figures = new Map<string, number[]>();
try {
  // Rounds interleave the configurations, so a load spike from elsewhere hits them all alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const { callRows, batches } of shapes) {
      for (const batch of batches) {
        const key = `${callRows}/${batch}`;
        const value = await rate(batch, callRows);
        figures.set(key, [...(figures.get(key) ?? []), value]);
        process.stdout.write(
          `round ${round + 1}: ${callRows} rows a call, batch ${batch}: ${Math.round(value)} rows/s\n`,
        );
      }
    }
  }
} finally {
  const client = new cassandraDriver.Client({ contactPoints, localDataCenter });
  await client.connect();
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client.shutdown();
}

const comparisons: Comparison[] = [];
for (const { callRows, batches } of shapes) {
  const single = median(figures.get(`${callRows}/1`) ?? []);
  const baseline = { name: 'single inserts', value: single, unit: 'rows/s', better: 'higher' as const };
  comparisons.push({ subject: { ...baseline, name: `single inserts, ${callRows} rows a call` } });
  for (const batch of batches.filter((b) => b > 1)) {
    comparisons.push({
      subject: {
        name: `batches of ${batch}, ${callRows} rows a call`,
        value: median(figures.get(`${callRows}/${batch}`) ?? []),
        unit: 'rows/s',
        better: 'higher',
      },
      baseline,
    });
  }
}
report(
  `Cassandra writes into tweets_by_symbol, ${config.cassandraWritesInFlight} requests in flight, median of ${ROUNDS} rounds`,
  comparisons,
);
