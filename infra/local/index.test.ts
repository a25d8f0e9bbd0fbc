import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { down, infraEnv, status, up } from './index.js';

describe('infra/local API without servers', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('reports every server stopped in an empty data folder, with its endpoint and log file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'infra-data-'));
    vi.stubEnv('INFRA_DATA_DIR', dataDir);
    // The default ports, whatever the calling environment chose.
    for (const name of ['INFRA_KAFKA_PORT', 'INFRA_CASSANDRA_PORT', 'INFRA_MINIO_PORT']) vi.stubEnv(name, '');
    expect(await status()).toEqual([
      {
        name: 'kafka',
        running: false,
        ready: false,
        endpoint: '127.0.0.1:9092',
        logFile: join(dataDir, 'kafka', 'kafka.log'),
      },
      {
        name: 'cassandra',
        running: false,
        ready: false,
        endpoint: '127.0.0.1:9042',
        logFile: join(dataDir, 'cassandra', 'cassandra.log'),
      },
      {
        name: 'minio',
        running: false,
        ready: false,
        endpoint: 'http://127.0.0.1:9000',
        logFile: join(dataDir, 'minio', 'minio.log'),
      },
    ]);
    // Stopping what does not run is harmless.
    await expect(down(['kafka'])).resolves.toBeUndefined();
  });

  it('points the config variables at the configured ports', () => {
    vi.stubEnv('INFRA_CASSANDRA_PORT', '19042');
    expect(infraEnv().CASSANDRA_CONTACT_POINTS).toBe('127.0.0.1:19042');
  });

  it('names an unknown server', async () => {
    await expect(up(['zookeeper' as never])).rejects.toThrow(/unknown server "zookeeper"/);
  });
});
