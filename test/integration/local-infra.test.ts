/**
 * infra/local as the integration suite sees it: `sentiment infra test` has started the three
 * servers and exported their variables, and each answers a real request through the product's
 * client libraries.
 */
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Admin } from '@platformatic/kafka';
import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../infra/config.js';
import { infraEnv, status } from '../../infra/local/index.js';

describe('local servers (infra/local)', () => {
  it('exports the config variables of the running servers', () => {
    const env = infraEnv();
    for (const [key, value] of Object.entries(env)) expect(process.env[key], key).toBe(value);
    const config = loadConfig(env);
    expect(config.kafka?.brokers).toEqual([env.KAFKA_BROKERS]);
    expect(config.cassandra?.localDataCenter).toBe('datacenter1');
    expect(config.s3?.endpoint).toBe(env.S3_ENDPOINT);
  });

  it('reports all three running and ready', async () => {
    const statuses = await status();
    expect(statuses.map((s) => [s.name, s.running, s.ready])).toEqual([
      ['kafka', true, true],
      ['cassandra', true, true],
      ['minio', true, true],
    ]);
  });

  it('Kafka answers a metadata request', async () => {
    const admin = new Admin({
      clientId: 'local-infra-test',
      bootstrapBrokers: [process.env.KAFKA_BROKERS as string],
    });
    try {
      const metadata = await admin.metadata({ topics: [] });
      const brokers = [...metadata.brokers.values()];
      expect(brokers).toHaveLength(1);
      expect(brokers[0]?.host).toBe('127.0.0.1');
    } finally {
      await admin.close();
    }
  });

  it('Cassandra answers a CQL query', async () => {
    const client = new cassandra.Client({
      contactPoints: (process.env.CASSANDRA_CONTACT_POINTS as string).split(','),
      localDataCenter: process.env.CASSANDRA_LOCAL_DC as string,
    });
    try {
      const result = await client.execute('SELECT release_version FROM system.local');
      expect(result.first()?.get('release_version')).toMatch(/^5\.0\./);
    } finally {
      await client.shutdown();
    }
  });

  it('MinIO is healthy and has the lake bucket', async () => {
    const health = await fetch(`${process.env.S3_ENDPOINT}/minio/health/cluster`);
    expect(health.status).toBe(200);
    const s3 = new S3Client({
      endpoint: process.env.S3_ENDPOINT as string,
      region: process.env.S3_REGION as string,
      forcePathStyle: true,
      credentials: {
        accessKeyId: process.env.S3_ACCESS_KEY_ID as string,
        secretAccessKey: process.env.S3_SECRET_ACCESS_KEY as string,
      },
    });
    try {
      const head = await s3.send(new HeadBucketCommand({ Bucket: process.env.S3_BUCKET as string }));
      expect(head.$metadata.httpStatusCode).toBe(200);
    } finally {
      s3.destroy();
    }
  });
});
