import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openBackends } from './backends.js';
import { loadConfig } from './config.js';
import { ServerUnavailableError } from './retry.js';

/** A loopback port nobody listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const retry = { attempts: 2, initialDelayMs: 10, maxDelayMs: 10 };

function capturingLogger() {
  const logger = pino({ level: 'silent' });
  const warn = vi.spyOn(logger, 'warn');
  return { logger, warn };
}

describe('openBackends against a closed port', () => {
  // The embedded lake opens a folder: a temporary one, so the tests leave nothing in the tree.
  const lakeDir = mkdtempSync(join(tmpdir(), 'backends-lake-'));
  afterAll(() => rmSync(lakeDir, { recursive: true, force: true }));
  const cases: [string, (port: number) => Record<string, string>][] = [
    ['kafka', (port) => ({ KAFKA_BROKERS: `127.0.0.1:${port}` })],
    ['cassandra', (port) => ({ CASSANDRA_CONTACT_POINTS: `127.0.0.1:${port}` })],
    [
      's3',
      (port) => ({
        S3_ENDPOINT: `http://127.0.0.1:${port}`,
        S3_BUCKET: 'lake',
        S3_ACCESS_KEY_ID: 'k',
        S3_SECRET_ACCESS_KEY: 'secret123',
      }),
    ],
  ];

  for (const [server, env] of cases) {
    it(`fails after bounded retries with an error naming ${server}`, async () => {
      const port = await closedPort();
      const { logger, warn } = capturingLogger();
      const opening = openBackends(loadConfig({ ...env(port), LAKE_DIR: lakeDir }), logger, {
        retry,
        connectTimeoutMs: 1000,
      });
      await expect(opening).rejects.toBeInstanceOf(ServerUnavailableError);
      await expect(opening).rejects.toThrow(
        new RegExp(`^${server} at \\S*127\\.0\\.0\\.1:${port}\\S* is unavailable after 2 attempt`),
      );
      const retries = warn.mock.calls.filter(
        ([, message]) => typeof message === 'string' && message.startsWith(`${server} at`),
      );
      expect(retries).toHaveLength(1);
    });
  }

  it('keeps the other backends embedded when only one server is configured', async () => {
    const { logger } = capturingLogger();
    const backends = await openBackends(loadConfig({ LAKE_DIR: lakeDir }), logger, { retry });
    expect(backends.kinds).toEqual({ eventLog: 'embedded', viewStore: 'embedded', objectStore: 'embedded' });
    await backends.close();
  });
});
