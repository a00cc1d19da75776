/// <reference lib="dom" />
/**
 * Browser test: Debian chromium driven by playwright-core opens the dashboard, waits for a live update
 * over the WebSocket, and saves a screenshot (gpu-backend/test-artifacts/dashboard.png).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { startSatcast, type Satcast } from '../src/runner.js';
import { quietLog, tempDir, testConfig, writeCandlesCsv } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
// CI installs Debian chromium (.ci/run); a developer machine without it skips by name, with the reason.
const maybe = existsSync(CHROMIUM) ? describe : describe.skip;

maybe(`dashboard in a real browser (${existsSync(CHROMIUM) ? CHROMIUM : 'skipped: no chromium at ' + CHROMIUM})`, () => {
  let sc: Satcast;
  let browser: Browser;
  beforeAll(async () => {
    const dir = tempDir();
    const csv = writeCandlesCsv(dir, Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 1));
    // Replay a few bars slowly enough that the page is open before they arrive.
    sc = await startSatcast(testConfig(dir, csv, { sources: [{ plugin: 'csv', options: { path: csv, replay: { holdBackBars: 4, barsPerSecond: 1 } } }] }), {
      log: quietLog,
      stream: { intervalMs: 60_000 },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sc?.close();
  });

  it('renders forecasts, scores and freshness, then updates live over the WebSocket', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1100 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(sc.url!);
    await page.waitForSelector('#latest tbody tr[data-horizon="24h"]');
    await page.waitForSelector('#chart canvas');
    expect(await page.locator('#latest tbody tr').count()).toBe(3);
    expect(await page.locator('#sources tbody tr').count()).toBe(1);
    expect(await page.textContent('#scores tbody')).toContain('persistence');
    await page.waitForFunction(() => Number(document.getElementById('updates')!.textContent) > 0, undefined, { timeout: 20_000 });
    expect(await page.textContent('#ws')).toBe('live');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true });
    expect(existsSync(`${artifacts}dashboard.png`)).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);
});
