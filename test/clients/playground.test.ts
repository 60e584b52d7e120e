// The playground in a real browser: headless Chromium (Debian's) driven by playwright-core
// opens /graphql on a no-auth dev server, runs { me { email } } in GraphiQL and sees the
// answer — with every request the page makes checked to stay on this gateway.
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

let tdb: TestDatabase;
let t: TestApp;
let browser: Browser;

describe.skipIf(!haveChromium)('GraphiQL playground in Chromium', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    t = await startApp(tdb, {
      env: { TORALE_NOAUTH: '1', TORALE_NOAUTH_EMAIL: 'playground@example.com' },
      listen: true,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await tdb?.drop();
  });

  it('runs { me { email } } with nothing loaded from outside the gateway', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(t.url!) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    const response = await page.goto(`${t.url}/graphql`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const headers = response?.headers() ?? {};
    expect(headers['x-content-type-options']).toBe('nosniff'); // helmet is on
    expect(headers['content-security-policy']).toContain("script-src 'self' 'unsafe-inline'");

    // GraphiQL's query editor is Monaco: click into its text, replace everything.
    const editor = page.locator('.graphiql-query-editor .view-lines').first();
    await editor.waitFor({ timeout: 20_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('{ me { email } }');
    await page.locator('.graphiql-execute-button').click();
    await expect
      .poll(async () => ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, ' '), {
        timeout: 15_000,
      })
      .toContain('"email": "playground@example.com"');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}playground.png`, fullPage: true });
    expect(outside).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/.test(e))).toEqual([]);
  });

  it('subscribes over the WebSocket and shows a live event', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.url}/graphql`, { waitUntil: 'load' });
    const editor = page.locator('.graphiql-query-editor .view-lines').first();
    await editor.waitFor({ timeout: 20_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription { taskUpdated { name state } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => t.container.hub.subscribers, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      payload: { name: 'live from the playground', search_query: 'q', state: 'paused' },
    });
    expect(created.statusCode).toBe(200);
    await expect
      .poll(async () => ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, ' '), {
        timeout: 15_000,
      })
      .toContain('"name": "live from the playground"');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}playground-subscription.png`, fullPage: true });
  });

  it('the REST docs page renders offline too', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(t.url!) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(`${t.url}/docs`, { waitUntil: 'load' });
    await page.locator('.opblock-summary-path').first().waitFor({ timeout: 20_000 });
    const paths = await page.locator('.opblock-summary-path').allInnerTexts();
    expect(paths.join(' ')).toContain('/api/v1/tasks');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}docs.png` });
    expect(outside).toEqual([]);
  });
});
