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
    expect(config.api).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      keys: undefined,
      corsOrigins: undefined,
    });
    expect(config.api.rateLimitPerMinute).toBe(0);
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
    ['SPEED_SINK_BATCHES_IN_FLIGHT', '0', 'an integer 1..64'],
    ['SPEED_CHECKPOINT_INTERVAL', 'often', 'a duration like 1s or 5s'],
  ])('rejects %s=%s naming the variable and the expected form', (name, value, form) => {
    const message = problemsOf({ [name]: value, ...(name === 'S3_ENDPOINT' ? { S3_BUCKET: 'lake' } : {}) });
    expect(message).toContain(`${name}=${JSON.stringify(value)} is invalid: expected ${form}`);
  });

  it('requires the webhook secret with the webhook URL, and never puts it in an error', () => {
    expect(problemsOf({ ALERT_WEBHOOK_URL: 'http://127.0.0.1:9999/hook' })).toBe(
      'ALERT_WEBHOOK_SECRET: set ALERT_WEBHOOK_SECRET when ALERT_WEBHOOK_URL is set (the webhook is always signed)',
    );
    expect(problemsOf({ ALERT_WEBHOOK_URL: 'ftp://x', ALERT_WEBHOOK_SECRET: 's3cr3t' })).not.toContain(
      's3cr3t',
    );
    const config = loadConfig({
      ALERT_WEBHOOK_URL: 'http://127.0.0.1:9999/hook',
      ALERT_WEBHOOK_SECRET: 's3cr3t',
      ALERT_RULES: '~/rules.yaml',
      HOME: '/home/u',
    });
    expect(config.alerts).toEqual({
      rulesFile: '/home/u/rules.yaml',
      webhook: { url: 'http://127.0.0.1:9999/hook', secret: 's3cr3t', timeoutMs: 5000, maxAttempts: 8 },
    });
    expect(loadConfig({}).alerts).toEqual({ rulesFile: undefined, webhook: undefined });
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

  describe('SPEED_VIEW_TTL against BATCH_CRON', () => {
    const now = Date.parse('2026-01-01T00:00:00Z'); // a Thursday

    it('accepts the defaults: hourly runs, 48h of speed view', () => {
      expect(loadConfig({}, now).speedViewTtlMs).toBe(48 * 3_600_000);
    });

    it('fails naming both variables when the TTL does not cover the longest gap plus 1h', () => {
      const message = problemsOf({ BATCH_CRON: '0 3 * * 0' }); // weekly: 168h between runs
      expect(message).toContain('SPEED_VIEW_TTL="48h" is invalid');
      expect(message).toContain('BATCH_CRON="0 3 * * 0"');
      expect(message).toContain('(168h, after ');
      expect(message).toContain('set SPEED_VIEW_TTL=169h or more');
    });

    it.each([
      ['5 * * * *', '2h', true],
      ['5 * * * *', '119m', false],
      ['0 3 * * 0', '169h', true],
      ['0 3 * * 0', '10139m', false],
      // Weekdays 9-17: Friday 17:00 to Monday 09:00 is the longest gap, 64h.
      ['0 9-17 * * 1-5', '65h', true],
      ['0 9-17 * * 1-5', '64h', false],
    ])('BATCH_CRON=%s with SPEED_VIEW_TTL=%s: accepted %s', (cron, ttl, accepted) => {
      const load = () => loadConfig({ BATCH_CRON: cron, SPEED_VIEW_TTL: ttl }, now);
      if (accepted) expect(load).not.toThrow();
      else
        expect(load).toThrow(
          /SPEED_VIEW_TTL=.* is invalid: expected at least the longest gap between BATCH_CRON/,
        );
    });
  });
});
