/**
 * Producer throughput. Generating: our tweet generator (faker-built pools, seeded PRNG, wire JSON)
 * against a naive generator that calls faker for every field and JSON.stringifies the object,
 * measured in the same run on one core. Publishing (only when KAFKA_BROKERS is set): the whole
 * `produce tweets --rate max` path (generate, batch, publish with acks=all) into a bench topic,
 * against raw `eventLog.produce` of pre-encoded batches of the same size, which is the ceiling
 * the publisher can reach.
 */
import { en, Faker } from '@faker-js/faker';
import { loadConfig } from '../infra/config.js';
import type { OutgoingMessage } from '../infra/kafka/event-log.js';
import { KafkaEventLog } from '../infra/kafka/kafka-event-log.js';
import { PriceWalk } from '../producers/price-walk.js';
import { PublishStats, publish } from '../producers/publisher.js';
import { EventLogSink } from '../producers/sinks.js';
import { tickMessage, tweetMessage, tweetMessages } from '../producers/synthetic-source.js';
import { TweetGenerator } from '../producers/tweet-generator.js';
import { type Comparison, measureRate, report } from './harness.js';

const timeline = { clock: 'virtual', ratePerSecond: 10_000, jitterMs: 2000, lateRatio: 0.03 } as const;
const generator = new TweetGenerator({ seed: 1, timeline });
const walk = new PriceWalk({ seed: 1, timeline });

// The naive way: faker for every field of every tweet.
const faker = new Faker({ locale: [en] });
faker.seed(1);
const SYMBOLS = [
  'AAPL',
  'MSFT',
  'AMZN',
  'GOOGL',
  'META',
  'NVDA',
  'TSLA',
  'JPM',
  'V',
  'WMT',
  'XOM',
  'NFLX',
  'BTC',
  'ETH',
];
const naiveTweet = () =>
  JSON.stringify({
    id: faker.string.numeric(19),
    created_at: faker.date.recent().toISOString(),
    text: `$${faker.helpers.arrayElement(SYMBOLS)} ${faker.lorem.sentence()} ${faker.helpers.arrayElement(['🚀', '📉', ':)', ':('])} #${faker.word.noun()}`,
    user_id: faker.string.numeric({ length: { min: 7, max: 19 } }),
  });

let bytes = 0;
const ours = measureRate(() => {
  for (let i = 0; i < 1000; i++) bytes += (tweetMessage(generator.next()).value as string).length;
}, 1000);
const oursObjects = measureRate(() => {
  for (let i = 0; i < 1000; i++) bytes += generator.next().text.length;
}, 1000);
const naive = measureRate(() => {
  for (let i = 0; i < 100; i++) bytes += naiveTweet().length;
}, 100);
const ticks = measureRate(() => {
  for (let i = 0; i < 1000; i++) bytes += (tickMessage(walk.next()).value as string).length;
}, 1000);

const naiveFigure = {
  name: 'naive faker-per-field generator + JSON.stringify',
  value: naive,
  unit: 'tweets/s',
  better: 'higher',
} as const;
const comparisons: Comparison[] = [
  {
    subject: { name: 'tweet generator, wire JSON lines', value: ours, unit: 'tweets/s', better: 'higher' },
    baseline: naiveFigure,
    target: '>= 200000 tweets/s on one core',
  },
  {
    subject: {
      name: 'tweet generator, in-code objects only',
      value: oursObjects,
      unit: 'tweets/s',
      better: 'higher',
    },
    baseline: naiveFigure,
  },
  { subject: { name: 'price walk, wire JSON lines', value: ticks, unit: 'ticks/s', better: 'higher' } },
];

const config = loadConfig(process.env);
if (config.kafka) {
  const log = new KafkaEventLog({ brokers: config.kafka.brokers, clientId: 'bench-producers' });
  const topic = 'bench.producers.tweets';
  await log.createTopics([{ name: topic, partitions: config.topics.partitions, retentionMs: 600_000 }]);
  const N = 300_000;
  const kafkaGenerator = new TweetGenerator({ seed: 2, timeline });
  // Warm up the connection and the JIT on a first, unmeasured run.
  await publish({
    source: tweetMessages(kafkaGenerator, { count: 20_000 }),
    sink: new EventLogSink(log, topic),
  });
  const stats = new PublishStats();
  let start = performance.now();
  await publish({
    source: tweetMessages(kafkaGenerator, { count: N }),
    sink: new EventLogSink(log, topic),
    stats,
    maxBatch: 1000,
  });
  const published = stats.sent / ((performance.now() - start) / 1000);

  const batches: OutgoingMessage[][] = [];
  for (let b = 0; b < N / 1000; b++)
    batches.push(Array.from({ length: 1000 }, () => tweetMessage(kafkaGenerator.next())));
  start = performance.now();
  for (const batch of batches) await log.produce(topic, batch);
  const raw = N / ((performance.now() - start) / 1000);
  await log.close();
  comparisons.push({
    subject: {
      name: `produce tweets --rate max to local Kafka (generate+publish, ${N} msgs)`,
      value: published,
      unit: 'msg/s',
      better: 'higher',
    },
    baseline: {
      name: 'raw eventLog.produce of pre-encoded 1000-message batches',
      value: raw,
      unit: 'msg/s',
      better: 'higher',
    },
    target: '>= 50000 msg/s',
  });
} else {
  process.stdout.write('(KAFKA_BROKERS unset: the Kafka publishing figure is skipped)\n');
}

report('Producers: generating and publishing', comparisons);
if (bytes < 0) process.stdout.write('(unreachable)\n');
