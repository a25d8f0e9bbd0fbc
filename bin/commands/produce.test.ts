/**
 * `sentiment produce --to kafka` opens the event log and nothing else: it never touches the lake
 * folder or Cassandra, even when their variables are set. Checked on a broker that is not there,
 * so no server is needed: the process is stopped while it retries the broker.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', 'sentiment.js');

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('sentiment produce --to kafka', { timeout: 60_000 }, () => {
  it('opens only the event log: no lake folder, no Cassandra contact', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'produce-cli-'));
    const lake = join(scratch, 'lake');
    const [kafkaPort, cassandraPort] = [await closedPort(), await closedPort()];
    const child = spawn(process.execPath, [CLI, 'produce', 'tweets', '--count', '5', '--to', 'kafka'], {
      env: {
        ...process.env,
        KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
        CASSANDRA_CONTACT_POINTS: `127.0.0.1:${cassandraPort}`,
        LAKE_DIR: lake,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      // The first start-up retry of the broker: by then every backend it opens has been opened.
      const deadline = Date.now() + 45_000;
      while (!/kafka at 127\.0\.0\.1/.test(stderr) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stderr).toMatch(/kafka at 127\.0\.0\.1/);
      child.kill('SIGTERM');
      await once(child, 'exit');
      expect(stderr).not.toMatch(/cassandra/i);
      expect(existsSync(lake)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
