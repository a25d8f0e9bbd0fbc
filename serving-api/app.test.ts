import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackends } from '../infra/backends.js';
import { loadConfig } from '../infra/config.js';
import { type App, buildApp } from './app.js';

describe('serving API', () => {
  let app: App;
  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    const backends = await openBackends(
      loadConfig({ LAKE_DIR: mkdtempSync(join(tmpdir(), 'api-lake-')) }),
      logger,
    );
    app = await buildApp({ logger, backends, version: '0.0.0-test' });
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers /health with the backends in use', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'ok',
      version: '0.0.0-test',
      backends: { eventLog: 'embedded', viewStore: 'embedded', objectStore: 'embedded' },
    });
  });

  it('publishes an OpenAPI 3.1 document that includes /health', async () => {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/health');
  });

  it('answers an unknown route with 404', async () => {
    expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
  });
});
