import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backends, openBackends } from '../../infra/backends.js';
import { loadConfig } from '../../infra/config.js';
import { type App, buildApp } from '../app.js';

describe('the dashboard files', () => {
  let app: App;
  let backends: Backends;
  beforeAll(async () => {
    const logger = pino({ level: 'silent' });
    backends = await openBackends(loadConfig({ LAKE_DIR: mkdtempSync(join(tmpdir(), 'api-dash-')) }), logger);
    app = await buildApp({ logger, backends, version: '0.0.0-test' });
  });
  afterAll(async () => {
    await app.close();
    await backends.close();
  });

  it('serves the page at / with its script, style and chart library from this server', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // Every asset the page names is local (no CDN) and answers.
    const assets = [...page.body.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1] as string);
    expect(assets).toEqual(
      expect.arrayContaining([
        '/dashboard/dashboard.js',
        '/dashboard/dashboard.css',
        '/vendor/uplot/uPlot.min.css',
      ]),
    );
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const asset of assets.filter((a) => a !== '/docs')) {
      expect((await app.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
    }
    const script = await app.inject({ method: 'GET', url: '/dashboard/dashboard.js' });
    expect(script.headers['content-type']).toMatch(/javascript/);
    const library = /from '([^']+)'/.exec(script.body)?.[1];
    expect(library).toBe('/vendor/uplot/uPlot.esm.js');
    const uplot = await app.inject({ method: 'GET', url: library as string });
    expect(uplot.statusCode).toBe(200);
    expect(uplot.body).toMatch(/export \{ uPlot as default \}/);
  });

  it('serves only the page files from its folder, and none of node_modules beyond the chart', async () => {
    for (const url of [
      '/dashboard/dashboard-routes.ts',
      '/dashboard/../app.ts',
      '/vendor/uplot/uPlot.cjs.js',
      '/vendor/uplot/../package.json',
    ]) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
  });

  it('keeps the page out of the OpenAPI document', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const paths = Object.keys(doc.paths);
    expect(paths).not.toContain('/');
    expect(paths.filter((p) => p.startsWith('/dashboard') || p.startsWith('/vendor'))).toEqual([]);
  });
});
