/**
 * The dashboard in a real browser against a running demo: Debian's Chromium (installed by
 * test/browser/install-chromium.sh, which .ci/run calls) driven by playwright-core. The demo runs
 * as the CLI runs it (`node bin/sentiment.js demo`), on the embedded backends, with two hours of
 * history and a batch run every 20 s, so that gold and its boundary appear while the test runs.
 *
 * The screenshot goes to .data/test-output/dashboard.png (override with TEST_OUTPUT_DIR).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = resolve(ROOT, process.env.TEST_OUTPUT_DIR ?? '.data/test-output');

interface Demo {
  child: ChildProcess;
  address: string;
  startedAt: number;
  log: string[];
}

/** Starts the demo on embedded backends (the servers' variables removed) on a free port. */
async function startDemo(lake: string): Promise<Demo> {
  const env: NodeJS.ProcessEnv = { ...process.env, API_PORT: '0', LAKE_DIR: lake, LOG_LEVEL: 'info' };
  for (const name of Object.keys(env)) {
    if (/^(KAFKA_|CASSANDRA_|S3_)/.test(name)) delete env[name];
  }
  const startedAt = Date.now();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'bin/sentiment.js'), 'demo', '--history', '2h', '--batch-cron', '*/20 * * * * *'],
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log: string[] = [];
  const address = await new Promise<string>((done, fail) => {
    let buffer = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let cut = buffer.indexOf('\n'); cut >= 0; cut = buffer.indexOf('\n')) {
        const line = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 1);
        log.push(line);
        const found = /demo running: the dashboard at (http:\/\/[^ ]+?)\/,/.exec(line);
        if (found) done(found[1] as string);
      }
    });
    child.once('exit', (code) =>
      fail(new Error(`the demo exited (${code}) before serving:\n${log.join('\n')}`)),
    );
  });
  return { child, address, startedAt, log };
}

/**
 * How many of the chart canvas's pixels are drawn in the batch or the speed colour (page code as
 * text: this file is compiled without the DOM's types).
 */
function seriesPixels(page: Page): Promise<{ batch: number; speed: number }> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('#chart canvas');
    if (!canvas) return { batch: 0, speed: 0 };
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const near = (i, [r, g, b]) =>
      Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60 && data[i + 3] > 200;
    let batch = 0;
    let speed = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (near(i, [0x2f, 0x6f, 0xdf])) batch++;
      else if (near(i, [0xe8, 0x77, 0x2e])) speed++;
    }
    return { batch, speed };
  })()`);
}

/** Polls `check` until it holds; fails naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const numberAttribute = async (page: Page, selector: string, name: string) =>
  Number(await page.locator(selector).getAttribute(name));

describe('the dashboard in Chromium against a running demo', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  const lake = mkdtempSync(join(tmpdir(), 'dashboard-lake-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: run test/browser/install-chromium.sh (or set CHROMIUM_PATH)`,
      );
    }
    demo = await startDemo(lake);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    page.on('pageerror', (error) => demo.log.push(`page error: ${error.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    if (demo && demo.child.exitCode === null) {
      demo.child.kill('SIGTERM');
      await once(demo.child, 'exit');
    }
    rmSync(lake, { recursive: true, force: true });
  });

  it('draws data, shows batch and speed after the first batch run, switches symbol and follows the live feed', async () => {
    await page.goto(`${demo.address}/?interval=5m`);
    // The chart has data once the speed layer has digested the demo's history.
    await until(
      'data on the chart',
      async () => (await numberAttribute(page, '#chart', 'data-points')) > 0,
      120_000,
    );
    // Not an assertion: the start-to-data time is a figure for the README.
    process.stdout.write(
      `dashboard: data on the chart ${((Date.now() - demo.startedAt) / 1000).toFixed(1)} s after the demo started\n`,
    );
    const drawn = await seriesPixels(page);
    expect(drawn.batch + drawn.speed).toBeGreaterThan(0);
    const first = await page.locator('#symbol').inputValue();

    // After the first batch run the route answers both parts, and the page draws both.
    const sources = async () => {
      const response = await fetch(`${demo.address}/v1/symbols/${first}/sentiment?interval=5m`);
      const series = (await response.json()) as { buckets: { source: string }[] };
      return [...new Set(series.buckets.map((b) => b.source))].sort();
    };
    await until('batch and speed buckets', async () => (await sources()).length === 2, 120_000);
    expect(await sources()).toEqual(['batch', 'speed']);
    await until(
      'both parts on the chart',
      async () =>
        (await numberAttribute(page, '#chart', 'data-batch')) > 0 &&
        (await numberAttribute(page, '#chart', 'data-speed')) > 0,
    );
    await until('the latest tweets', async () => (await page.locator('#tweets tbody tr').count()) > 0);
    await until('the pivot heat-map', async () => (await page.locator('#pivot td').count()) > 0);
    // The canvas repaints after the data attributes change (and again on each live reload): on a
    // loaded machine one sample once caught it without the batch colour.
    await until('both series painted', async () => {
      const painted = await seriesPixels(page);
      return painted.batch > 0 && painted.speed > 0;
    });
    const pixels = await seriesPixels(page);
    expect(pixels.batch).toBeGreaterThan(0);
    expect(pixels.speed).toBeGreaterThan(0);

    // Another symbol: its own chart, and a minute row of it from /v1/stream.
    const symbols = await page
      .locator('#symbol option')
      .evaluateAll((options) => options.map((o) => o.getAttribute('value')));
    const other = symbols.find((s) => s !== first) as string;
    expect(other).toBeDefined();
    await page.selectOption('#symbol', other);
    await until(
      `the chart of ${other}`,
      async () =>
        (await page.locator('#chart').getAttribute('data-symbol')) === other &&
        (await numberAttribute(page, '#chart', 'data-points')) > 0,
    );
    await until(
      `a live update of ${other}`,
      async () =>
        (await page.locator('#live-count').getAttribute('data-symbol')) === other &&
        (await numberAttribute(page, '#live-count', 'data-count')) > 0,
    );
    expect(await page.evaluate('window.dashboard.lastUpdate')).toMatchObject({ symbol: other });
    expect(await page.locator('#live').getAttribute('data-state')).toBe('open');
    expect(await page.locator('#error').isHidden()).toBe(true);

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });
    expect(demo.log.filter((l) => l.startsWith('page error'))).toEqual([]);
  });
});
