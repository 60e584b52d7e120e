// The playground with an API key (no no-auth): in Chromium, the Authorization header typed
// into GraphiQL's Headers tab reaches the WebSocket's connection_init, so a subscription
// sees a run; a refused socket shows the server's reason, not `{"isTrusted":true}`.
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationOf } from '../../src/plugins/live.js';
import { type ClerkGateway, startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { subscribe } from '../helpers/live.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;

let g: ClerkGateway;
let key: string;

beforeAll(async () => {
  g = await startClerkGateway({ listen: true });
  g.clerk.addUser({ id: 'user_playground', email: 'pg@example.com', role: 'developer' });
  const token = await g.clerk.token('user_playground');
  const auth = { authorization: `Bearer ${token}` };
  expect((await fetch(`${g.t.url}/auth/sync-user`, { method: 'POST', headers: auth })).status).toBe(200);
  const created = await fetch(`${g.t.url}/auth/api-keys`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'playground' }),
  });
  key = ((await created.json()) as { key: string }).key;
  expect(key).toMatch(/^sk_/);
});
afterAll(() => stopClerkGateway(g));

describe('connection_init credentials', () => {
  it('finds Authorization in any letter case', () => {
    expect(authorizationOf({ authorization: 'a' })).toBe('a');
    expect(authorizationOf({ Authorization: 'b' })).toBe('b');
    expect(authorizationOf({ AUTHORIZATION: 'c' })).toBe('c');
    expect(authorizationOf({ other: 'x' })).toBeUndefined();
    expect(authorizationOf(undefined)).toBeUndefined();
  });

  it('accepts an sk_ key sent as "Authorization" or "AUTHORIZATION" over a real socket', async () => {
    for (const name of ['Authorization', 'AUTHORIZATION']) {
      const live = subscribe(g.t.url!, 'subscription { taskUpdated { id } }', {
        connectionParams: { [name]: `Bearer ${key}` },
      });
      await expect.poll(() => g.t.container.hub.subscribers, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      await live.dispose();
      await expect.poll(() => g.t.container.hub.subscribers, { timeout: 15_000 }).toBe(0);
    }
  });
});

describe.skipIf(!haveChromium)('GraphiQL with an sk_ key in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
    });
  });
  afterAll(() => browser?.close());

  async function open(): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${g.t.url}/graphql`, { waitUntil: 'load' });
    await page.locator('.graphiql-query-editor .view-lines').first().waitFor({ timeout: 30_000 });
    return page;
  }
  async function typeInto(page: Page, locator: string, text: string) {
    await page.locator(locator).first().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  }
  async function setHeaders(page: Page, headers: string) {
    await page.getByRole('button', { name: 'Headers' }).click();
    await typeInto(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden) .view-lines', headers);
  }
  const responseText = async (page: Page) =>
    ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, ' ');

  it('sends the Headers tab over the WebSocket: the subscription sees a run', async () => {
    const page = await open();
    await setHeaders(page, `{"Authorization": "Bearer ${key}"}`);
    await typeInto(page, '.graphiql-query-editor .view-lines', 'subscription { taskUpdated { name state } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => g.t.container.hub.subscribers, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    const created = await fetch(`${g.t.url}/api/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'seen in the playground', search_query: 'q', state: 'paused' }),
    });
    expect(created.status).toBe(200);
    await expect.poll(() => responseText(page), { timeout: 20_000 }).toContain('"name": "seen in the playground"');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}playground-sk-key-subscription.png`, fullPage: true });
    await page.close();
  });

  it("shows the server's reason when the socket is refused", async () => {
    const page = await open();
    await setHeaders(page, '{"Authorization": "Bearer sk_notARealKeyAtAllXXXXXXXXXXXXXXX"}');
    await typeInto(page, '.graphiql-query-editor .view-lines', 'subscription { taskUpdated { name } }');
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => responseText(page), { timeout: 20_000 }).toContain('Invalid API key');
    expect(await responseText(page)).toContain('4401');
    expect(await responseText(page)).not.toContain('isTrusted');
    await page.screenshot({ path: `${ARTIFACTS}playground-refused-socket.png`, fullPage: true });
    await page.close();
  });
});
