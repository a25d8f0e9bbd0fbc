import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, VARIABLES } from '../config.js';
import { envFor, InfraSettingsError, infraSettings, REPO_ROOT } from './settings.js';

describe('infra/local settings', () => {
  it('defaults to the standard loopback ports, ./.data/infra and ~/.cache/market-sentiment', () => {
    const s = infraSettings({});
    expect(s.dataDir).toBe(join(REPO_ROOT, '.data', 'infra'));
    expect(s.cacheDir).toBe(join(homedir(), '.cache', 'market-sentiment'));
    expect([s.kafka.port, s.kafka.controllerPort, s.cassandra.port, s.minio.port]).toEqual([
      9092, 9093, 9042, 9000,
    ]);
  });

  it('takes folders and ports from INFRA_* variables', () => {
    const s = infraSettings({
      INFRA_DATA_DIR: '/tmp/x-data',
      XDG_CACHE_HOME: '/tmp/xdg',
      INFRA_KAFKA_PORT: '19092',
      INFRA_MINIO_PORT: '19000',
    });
    expect(s.dataDir).toBe('/tmp/x-data');
    expect(s.cacheDir).toBe('/tmp/xdg/market-sentiment');
    expect(s.kafka.port).toBe(19092);
    expect(envFor(s).S3_ENDPOINT).toBe('http://127.0.0.1:19000');
    expect(infraSettings({ INFRA_CACHE_DIR: '/tmp/c' }).cacheDir).toBe('/tmp/c');
  });

  it('names a bad or clashing port variable', () => {
    expect(() => infraSettings({ INFRA_CASSANDRA_PORT: 'x' })).toThrow(/INFRA_CASSANDRA_PORT="x" is invalid/);
    expect(() => infraSettings({ INFRA_MINIO_PORT: '9092' })).toThrow(InfraSettingsError);
    expect(() => infraSettings({ INFRA_MINIO_PORT: '9092' })).toThrow(
      /INFRA_MINIO_PORT and INFRA_KAFKA_PORT/,
    );
  });

  it('exports only config variables, which the config accepts and turns into real backends', () => {
    const env = envFor(infraSettings({}));
    const known = new Set(Object.values(VARIABLES).map((v) => v.name));
    for (const key of Object.keys(env)) expect(known.has(key), key).toBe(true);
    const config = loadConfig(env);
    expect(config.kafka?.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.cassandra).toMatchObject({
      contactPoints: ['127.0.0.1:9042'],
      localDataCenter: 'datacenter1',
    });
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', bucket: 'sentiment-lake' });
  });
});
