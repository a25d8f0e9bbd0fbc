/**
 * Kafka client choice, measured on the real broker (KAFKA_BROKERS, default 127.0.0.1:9092; start
 * it with `sentiment infra up kafka`): @platformatic/kafka 2.12 against kafkajs 2.2.4.
 *
 * Produce: batches of 1000 tweet-sized JSON messages (~220 bytes), acks=all, idempotent producer,
 * one batch in flight (as our producers send), no compression and gzip on both, plus lz4 where the
 * client has it built in (kafkajs needs an extra codec package for anything but gzip).
 * Consume: 100,000 messages over 3 partitions read by a fresh group; every batch of up to 500
 * goes through a simulated sink flush (one macrotask) and then its offsets are committed, the
 * speed layer's loop. Timed from the first message to the last commit, so group join is excluded.
 * The platformatic figure goes through our adapter (KafkaEventLog poll/commit), so it includes
 * our own overhead; kafkajs runs its own eachBatch loop with auto-commit off. The same loops without
 * the commit show how much of the figure is the commit round trip (one per 500 messages here).
 */
import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs';
import { nextOffsets } from '../infra/kafka/event-log.js';
import { type KafkaCompression, KafkaEventLog } from '../infra/kafka/kafka-event-log.js';
import { measureRateAsync, report } from './harness.js';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const BATCH = 1000;
const CONSUME_TOTAL = 100_000;
const PARTITIONS = 3;

const message = (i: number) => ({
  key: `SYM${i % 50}`,
  value: JSON.stringify({
    id: String(1_700_000_000_000 + i),
    created_at: '2024-05-01T13:00:00Z',
    text: `$SYM${i % 50} looks strong today, buying more before earnings #${i}`,
    user_id: `user-${i % 997}`,
  }),
});
const batch = Array.from({ length: BATCH }, (_, i) => message(i));
const flushSink = () => new Promise<void>((resolve) => setImmediate(resolve));
const topicName = (what: string) => `bench-${what}-${randomUUID().slice(0, 8)}`;

const step = (what: string) => process.stderr.write(`[kafka-clients] ${new Date().toISOString()} ${what}\n`);
// Uncompressed, so that both clients can read the consumer test's topics: kafkajs reads only gzip
// without an extra codec package, and crashes its consumer on an lz4 batch.
const platformatic = new KafkaEventLog({ brokers, clientId: 'bench-platformatic', compression: 'none' });
const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers, logLevel: logLevel.NOTHING });
const kafkajsAdmin = kafka.admin();
step('connecting');
await kafkajsAdmin.connect();
step('connected');

async function platformaticProduceRate(compression: KafkaCompression): Promise<number> {
  step(`platformatic produce ${compression}`);
  const log = new KafkaEventLog({ brokers, clientId: `bench-plt-${compression}`, compression });
  const topic = topicName(`plt-${compression}`);
  await log.createTopics([{ name: topic, partitions: PARTITIONS }]);
  const rate = await measureRateAsync(async () => void (await log.produce(topic, batch)), BATCH, {
    minMs: 4000,
  });
  await log.close();
  return rate;
}

async function kafkajsProduceRate(compression: CompressionTypes): Promise<number> {
  step(`kafkajs produce ${compression}`);
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const topic = topicName(`kjs-${compression}`);
  await kafkajsAdmin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const rate = await measureRateAsync(
    async () => void (await producer.send({ topic, acks: -1, compression, messages: batch })),
    BATCH,
    { minMs: 4000 },
  );
  await producer.disconnect();
  return rate;
}

/** A topic holding CONSUME_TOTAL messages, for one consumer test. */
async function filledTopic(what: string): Promise<string> {
  step(`filling ${what}`);
  const topic = topicName(what);
  await platformatic.createTopics([{ name: topic, partitions: PARTITIONS }]);
  for (let sent = 0; sent < CONSUME_TOTAL; sent += BATCH) await platformatic.produce(topic, batch);
  return topic;
}

async function platformaticConsumeRate(commit: boolean): Promise<number> {
  const topic = await filledTopic('plt-consume');
  step('platformatic consume');
  const consumer = await platformatic.consumer({
    groupId: topicName('plt-group'),
    topics: [topic],
    fromBeginning: true,
  });
  let received = 0;
  let started = 0;
  while (received < CONSUME_TOTAL) {
    const messages = await consumer.poll({ maxMessages: 500, maxWaitMs: 5000 });
    if (messages.length === 0) throw new Error('platformatic consumer stalled');
    if (started === 0) started = performance.now();
    await flushSink();
    if (commit) await consumer.commit(nextOffsets(messages));
    received += messages.length;
  }
  const rate = received / ((performance.now() - started) / 1000);
  await consumer.close();
  return rate;
}

/** The client's own stream, no adapter and no commit: how much of the gap is ours. */
async function platformaticRawConsumeRate(): Promise<number> {
  const topic = await filledTopic('plt-raw');
  step('platformatic raw stream');
  const consumer = new Consumer({
    clientId: 'bench-raw',
    bootstrapBrokers: brokers,
    groupId: topicName('raw'),
    autocommit: false,
    maxWaitTime: 500,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  let received = 0;
  let started = 0;
  for await (const _ of stream) {
    if (started === 0) started = performance.now();
    if (++received >= CONSUME_TOTAL) break;
  }
  const rate = received / ((performance.now() - started) / 1000);
  await stream.close();
  await consumer.close(true);
  return rate;
}

async function kafkajsConsumeRate(commit: boolean): Promise<number> {
  const topic = await filledTopic('kjs-consume');
  step('kafkajs consume');
  const consumer = kafka.consumer({ groupId: topicName('kjs-group'), maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let received = 0;
  let started = 0;
  const done = new Promise<number>((resolve, reject) => {
    consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
    void consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch: fetched, resolveOffset, heartbeat }) => {
        if (started === 0) started = performance.now();
        // Sinks take at most 500 messages per flush, as in the platformatic loop.
        for (let from = 0; from < fetched.messages.length; from += 500) {
          const chunk = fetched.messages.slice(from, from + 500);
          await flushSink();
          const last = chunk[chunk.length - 1];
          if (!last) continue;
          if (commit)
            await consumer.commitOffsets([
              { topic: fetched.topic, partition: fetched.partition, offset: String(Number(last.offset) + 1) },
            ]);
          resolveOffset(last.offset);
          received += chunk.length;
          await heartbeat();
        }
        if (received >= CONSUME_TOTAL) resolve(received / ((performance.now() - started) / 1000));
      },
    });
  });
  const rate = await done;
  await consumer.disconnect();
  return rate;
}

const produce = {
  none: { plt: await platformaticProduceRate('none'), kjs: await kafkajsProduceRate(CompressionTypes.None) },
  gzip: { plt: await platformaticProduceRate('gzip'), kjs: await kafkajsProduceRate(CompressionTypes.GZIP) },
};
const lz4 = await platformaticProduceRate('lz4');
const consume = { plt: await platformaticConsumeRate(true), kjs: await kafkajsConsumeRate(true) };
const consumeOnly = { plt: await platformaticConsumeRate(false), kjs: await kafkajsConsumeRate(false) };
const rawStream = await platformaticRawConsumeRate();
await kafkajsAdmin.disconnect();
await platformatic.close();

const rate = (name: string, value: number) => ({ name, value, unit: 'msg/s', better: 'higher' as const });
report('Kafka clients: @platformatic/kafka 2.12 vs kafkajs 2.2.4 (real broker, acks=all, idempotent)', [
  {
    subject: rate('platformatic produce, no compression', produce.none.plt),
    baseline: rate('kafkajs', produce.none.kjs),
  },
  {
    subject: rate('platformatic produce, gzip', produce.gzip.plt),
    baseline: rate('kafkajs', produce.gzip.kjs),
  },
  { subject: rate('platformatic produce, lz4', lz4), baseline: rate('kafkajs gzip', produce.gzip.kjs) },
  {
    subject: rate('platformatic consume+flush+commit (our adapter)', consume.plt),
    baseline: rate('kafkajs eachBatch+flush+commit', consume.kjs),
  },
  {
    subject: rate('platformatic consume+flush, no commit (our adapter)', consumeOnly.plt),
    baseline: rate('kafkajs eachBatch+flush, no commit', consumeOnly.kjs),
  },
  {
    subject: rate('platformatic raw stream (async iterator), no adapter, no commit', rawStream),
    baseline: rate('kafkajs eachBatch+flush, no commit', consumeOnly.kjs),
  },
]);
process.exit(0);
