/**
 * The dashboard's alerts in a real browser: Debian's Chromium through playwright-core (see
 * dashboard.test.ts and test/browser/install-chromium.sh), against the API over the embedded
 * stand-ins with alerts seeded in its view store as the speed layer writes them: a bearish one
 * (closed) and a bullish one (still open) on the sentiment chart's range, an older one only the
 * list reaches (GET /v1/alerts: the stream replays only the last 24 hours), then one arriving
 * through `/v1/stream` while the page is open.
 *
 * The screenshot of the chart and its alert list goes to .data/test-output/dashboard-alerts.png
 * (TEST_OUTPUT_DIR); with UPDATE_DOCS_SCREENSHOT=1 also to docs/images/dashboard-alerts.png, the
 * README's picture.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentimentMinuteRow } from '../../schemas/rows.js';
import { HOUR_MS, MINUTE_MS } from '../../schemas/time.js';
import { alertRow, BULLISH_RULE, putAlerts } from '../../serving-api/alerts/test-alerts.js';
import { type TestApi, testApi } from '../../serving-api/test-app.js';
import { speedMinute } from '../../serving-api/test-lake.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = resolve(ROOT, process.env.TEST_OUTPUT_DIR ?? '.data/test-output');
const DOCS_IMAGE = join(ROOT, 'docs/images/dashboard-alerts.png');

const NOW = Date.now();
const THIS_MINUTE = NOW - (NOW % MINUTE_MS);
const BEARISH_AT = THIS_MINUTE - 4 * HOUR_MS;
const BEARISH_CLOSED = BEARISH_AT + 25 * MINUTE_MS;
const BULLISH_AT = THIS_MINUTE - 90 * MINUTE_MS;
const OLD_AT = THIS_MINUTE - 30 * HOUR_MS;

/** Six hours of AAPL minutes: calm, a bearish crash at BEARISH_AT, a bullish run from BULLISH_AT. */
function minutes(): SentimentMinuteRow[] {
  const rows: SentimentMinuteRow[] = [];
  let price = 190;
  for (let t = THIS_MINUTE - 6 * HOUR_MS; t <= THIS_MINUTE; t += MINUTE_MS) {
    const crash = t >= BEARISH_AT - 5 * MINUTE_MS && t < BEARISH_CLOSED - 5 * MINUTE_MS;
    const run = t >= BULLISH_AT - 5 * MINUTE_MS && t < BULLISH_AT + 40 * MINUTE_MS;
    const compound = crash ? -0.62 : run ? 0.6 : 0.08 + 0.12 * Math.sin(t / (17 * MINUTE_MS));
    price *= crash ? 0.9965 : run ? 1.0025 : 1 + 0.0004 * Math.sin(t / (23 * MINUTE_MS));
    rows.push(speedMinute('AAPL', t, crash || run ? 14 : 6, compound, Number(price.toFixed(2))));
  }
  return rows;
}

/** Pixels of the chart canvas drawn solid in a colour (the alert markers; the shading is faint). */
function solidPixels(page: Page, [r, g, b]: [number, number, number]): Promise<number> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('#chart canvas');
    if (!canvas) return 0;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - ${r}) + Math.abs(data[i + 1] - ${g}) + Math.abs(data[i + 2] - ${b}) < 60 && data[i + 3] > 200) n++;
    }
    return n;
  })()`);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const BEARISH_RGB: [number, number, number] = [0xb4, 0x23, 0x18];
const BULLISH_RGB: [number, number, number] = [0x1f, 0x8a, 0x4c];

describe('the dashboard’s alerts in Chromium', () => {
  let api: TestApi;
  let address: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: run test/browser/install-chromium.sh (or set CHROMIUM_PATH)`,
      );
    }
    api = await testApi(NOW, { API_SYMBOLS: 'AAPL,TSLA' });
    const store = api.backends.viewStore;
    const rows = minutes();
    for (let i = 0; i < rows.length; i += 500)
      await store.upsert('sentiment_by_minute', rows.slice(i, i + 500));
    await putAlerts(store, [
      alertRow('AAPL', BEARISH_AT, { closedAt: BEARISH_CLOSED, meanCompound: -0.62, priceChange: -0.031 }),
      alertRow('AAPL', BULLISH_AT, { rule: BULLISH_RULE, meanCompound: 0.6, priceChange: 0.024 }),
      alertRow('AAPL', OLD_AT, { closedAt: OLD_AT + 15 * MINUTE_MS }),
      // Another symbol's: not on AAPL's chart or list.
      alertRow('TSLA', BULLISH_AT),
    ]);
    address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('marks the alerts on the chart, lists them with an older one, and adds one that arrives on the stream', async () => {
    await page.goto(`${address}/?symbol=AAPL&interval=5m`);
    await until(
      'the chart',
      async () => Number(await page.locator('#chart').getAttribute('data-points')) > 0,
    );
    await until('the alert list', async () => (await page.locator('#alert-list tbody tr').count()) === 3);
    const rows = page.locator('#alert-list tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-direction')))).toEqual([
      'bullish',
      'bearish',
      'bearish',
    ]);
    expect(await rows.nth(2).getAttribute('data-alert-id')).toBe(
      `bearish-sentiment-price-drop:AAPL:${new Date(OLD_AT).toISOString().slice(0, 16)}Z`,
    );
    // Text, not colour alone: the direction, the state and the figures are written out.
    const bullish = (await rows.nth(0).innerText()).replace(/\s+/g, ' ');
    const bearish = (await rows.nth(1).innerText()).replace(/\s+/g, ' ');
    expect(bullish).toMatch(/AAPL ▲ bullish bullish-sentiment-price-rise .* open \+0\.60 \+2\.40%/);
    expect(bearish).toMatch(/AAPL ▼ bearish bearish-sentiment-price-drop .* −0\.62 −3\.10%/);
    expect(bearish).toMatch(
      new RegExp(`→ (\\d\\d-\\d\\d )?${new Date(BEARISH_CLOSED).toISOString().slice(11, 16)}`),
    );

    // Drawn on the canvas: a marker of each colour, solid (the shading alone is faint); the old
    // alert lies before the chart's six hours.
    await until(
      'both markers',
      async () => (await page.locator('#chart').getAttribute('data-alert-markers')) === '2',
    );
    expect(await solidPixels(page, BEARISH_RGB)).toBeGreaterThan(20);
    expect(await solidPixels(page, BULLISH_RGB)).toBeGreaterThan(20);

    mkdirSync(OUTPUT, { recursive: true });
    const shot = join(OUTPUT, 'dashboard-alerts.png');
    await page.locator('section.panel.wide').first().screenshot({ path: shot });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      mkdirSync(dirname(DOCS_IMAGE), { recursive: true });
      copyFileSync(shot, DOCS_IMAGE);
    }

    // A new alert, written while the page is open, comes in through /v1/stream (not through the
    // list's reload every 30 s).
    const late = THIS_MINUTE - 20 * MINUTE_MS;
    const lateId = `bearish-sentiment-price-drop:AAPL:${new Date(late).toISOString().slice(0, 16)}Z`;
    await putAlerts(api.backends.viewStore, [
      alertRow('AAPL', late, { closedAt: THIS_MINUTE - 5 * MINUTE_MS }),
    ]);
    await until('the streamed alert', async () => (await rows.count()) === 4);
    expect(await page.evaluate('window.dashboard.streamedAlerts')).toContain(lateId);
    expect(await rows.nth(0).getAttribute('data-alert-id')).toBe(lateId);
    await until(
      'its marker',
      async () => (await page.locator('#chart').getAttribute('data-alert-markers')) === '3',
    );
    expect(await page.locator('#alerts').getAttribute('data-symbol')).toBe('AAPL');
    expect((await rows.allInnerTexts()).join('\n')).not.toContain('TSLA');
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
