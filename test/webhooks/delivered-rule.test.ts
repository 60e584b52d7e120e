// One rule decides whether a webhook was delivered, wherever an attempt is made: a 2xx whose
// whole answer arrived within the deadline. A target that sends "200 OK" and then never
// finishes its body fails the default webhook's test ping exactly as it fails a task's
// delivery (before, the test ping called it delivered).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { rest } from '../helpers/rest.js';

const DEADLINE_MS = 1000;
const CUT_OFF = `the target did not finish its answer within ${DEADLINE_MS} ms`;

/** Answers 200 at once, then a byte every 200 ms, and never ends its body. */
async function startHalfAnswer(): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const target = { url: '', requests: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    req.resume();
    target.requests++;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    const timer = setInterval(() => res.write('.'), 200);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  target.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return target;
}

describe('a 2xx whose body is cut off at the deadline', () => {
  let tdb: TestDatabase;
  let t: TestApp;
  let target: Awaited<ReturnType<typeof startHalfAnswer>>;
  beforeAll(async () => {
    [tdb, target] = await Promise.all([createTestDatabase(), startHalfAnswer()]);
    t = await startApp(tdb, {
      env: { TORALE_NOAUTH: '1', WEBHOOK_ALLOW_INSECURE_TARGETS: '1', WEBHOOK_TIMEOUT_MS: String(DEADLINE_MS) },
    });
  });
  afterAll(async () => {
    await t?.close();
    await target?.close();
    await tdb?.drop();
  });

  it('fails the default webhook test ping: 400 "Webhook delivery failed: …"', async () => {
    const before = target.requests;
    const res = await rest(
      t.app,
      'POST',
      '/api/v1/webhooks/test',
      {},
      { webhook_url: target.url, webhook_secret: 's' },
    );
    expect(target.requests).toBe(before + 1);
    expect(res.status, res.raw).toBe(400);
    expect(res.body).toEqual({ detail: `Webhook delivery failed: ${CUT_OFF}` });
  });

  it("fails a task's test ping the same way: a failed delivery, its attempt saying why", async () => {
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      { search_query: 'q', notifications: [{ type: 'webhook', url: target.url }] },
    );
    expect(created.status, created.raw).toBe(200);
    const res = await rest(t.app, 'POST', `/api/v1/tasks/${created.body.id}/webhook/test`);
    expect(res.status, res.raw).toBe(200);
    expect(res.body.delivery).toMatchObject({
      status: 'failed',
      attempts: [{ status_code: 200, error: CUT_OFF }],
    });
  });
});
