import { describe, expect, it } from 'vitest';
import { ConfigError, configTableMarkdown, loadConfig, VARIABLES } from './config.js';

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('defaults to the embedded stand-ins and the documented defaults', () => {
    const config = loadConfig({});
    expect(config.kafka).toBeUndefined();
    expect(config.cassandra).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.api).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(config.watermarkDelayMs).toBe(120_000);
    expect(config.lakeDir).toBe('./data/lake');
    expect(config.logLevel).toBe('info');
  });

  it('selects real backends when their variables are set', () => {
    const config = loadConfig({
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
      CASSANDRA_CONTACT_POINTS: '127.0.0.1',
      S3_ENDPOINT: 'http://127.0.0.1:9000/',
      S3_BUCKET: 'lake',
      S3_ACCESS_KEY_ID: 'minio',
      S3_SECRET_ACCESS_KEY: 'minio-secret',
    });
    expect(config.kafka?.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9094']);
    expect(config.cassandra).toMatchObject({
      contactPoints: ['127.0.0.1'],
      keyspace: 'sentiment',
      localDataCenter: 'datacenter1',
    });
    expect(config.s3).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      bucket: 'lake',
      region: 'us-east-1',
      accessKeyId: 'minio',
      secretAccessKey: 'minio-secret',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '', API_PORT: '' }).api.port).toBe(3000);
  });

  it.each([
    ['API_PORT', 'abc', 'an integer 0..65535'],
    ['API_PORT', '70000', 'an integer 0..65535'],
    ['WATERMARK_DELAY', 'two minutes', 'a duration like 2m or 90s'],
    ['KAFKA_BROKERS', 'localhost', 'comma-separated host:port'],
    ['BATCH_CRON', 'every hour', 'a cron expression'],
    ['LOG_LEVEL', 'verbose', 'fatal|error|warn|info|debug|trace|silent'],
    ['S3_ENDPOINT', 'ftp://x', 'an http(s) URL'],
    ['CASSANDRA_KEYSPACE', 'Bad-Name', 'a CQL identifier'],
    ['KAFKA_PARTITIONS', '0', 'an integer 1..1024'],
  ])('rejects %s=%s naming the variable and the expected form', (name, value, form) => {
    const message = problemsOf({ [name]: value, ...(name === 'S3_ENDPOINT' ? { S3_BUCKET: 'lake' } : {}) });
    expect(message).toContain(`${name}=${JSON.stringify(value)} is invalid: expected ${form}`);
  });

  it('reports every bad variable at once', () => {
    const message = problemsOf({ API_PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(message.split('\n')).toHaveLength(2);
  });

  it('requires S3 credentials in pairs and a bucket with an endpoint', () => {
    expect(problemsOf({ S3_BUCKET: 'lake', S3_ACCESS_KEY_ID: 'x' })).toContain('S3_SECRET_ACCESS_KEY');
    expect(problemsOf({ S3_ENDPOINT: 'http://127.0.0.1:9000' })).toContain('S3_BUCKET');
  });

  it('documents every variable in the generated table', () => {
    const table = configTableMarkdown();
    for (const v of Object.values(VARIABLES)) expect(table).toContain(`\`${v.name}\``);
  });
});
