/**
 * An API over the embedded stand-ins for tests: the memory view store, a local lake (counted) and
 * the memory event log, with a clock the test moves.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Backends, openBackends } from '../infra/backends.js';
import { loadConfig } from '../infra/config.js';
import { type App, buildApp } from './app.js';
import { CountingObjectStore } from './test-lake.js';

export interface TestApi {
  app: App;
  backends: Backends;
  lake: CountingObjectStore;
  clock: { now: number };
  close(): Promise<void>;
}

export async function testApi(
  now: number,
  env: Record<string, string> = {},
  adjust: (backends: Backends) => Backends = (b) => b,
): Promise<TestApi> {
  const logger = pino({ level: 'silent' });
  const config = loadConfig(
    { LAKE_DIR: mkdtempSync(join(tmpdir(), 'api-lake-')), API_HORIZON_REFRESH: '5s', ...env },
    now,
  );
  const opened = await openBackends(config, logger);
  const lake = new CountingObjectStore(opened.objectStore);
  const backends = adjust({ ...opened, objectStore: lake });
  const clock = { now };
  const app = await buildApp({ logger, backends, version: '0.0.0-test', config, now: () => clock.now });
  return {
    app,
    backends,
    lake,
    clock,
    async close() {
      await app.close();
      await opened.close();
    },
  };
}
