// Issue 23: finding 11 (x-request-id honoured only when short and plain), 15 (bad
// percent-encoding in a path is a 400 `{"detail"}`), 17 (the default webhook's test ping
// calls only allowed ports and reports no network detail).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { clerkEnv, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
/** Production rules (no insecure targets), with 8443 added to the test ping's ports. */
let strict: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { WEBHOOK_ALLOW_INSECURE_TARGETS: '1' } }));
  strict = await startApp(tdb, { env: clerkEnv(clerk, { WEBHOOK_TEST_PORTS: '443,80,8443' }) });
});
afterAll(async () => {
  await strict?.close();
  await stopClerkGateway({ t, clerk, tdb });
});

describe('finding 11: x-request-id', () => {
  it('a plain id of at most 128 characters is kept; anything else is replaced and logged apart', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'abc.DEF_123-x' } });
    expect(ok.headers['x-request-id']).toBe('abc.DEF_123-x');
    const max = 'a'.repeat(128);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/public/tasks', headers: { 'x-request-id': max } })).headers[
        'x-request-id'
      ],
    ).toBe(max);
    for (const sent of ['a'.repeat(129), 'x'.repeat(8000), 'has space', 'semi;colon', 'ünï', 'new\tline']) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/public/tasks', headers: { 'x-request-id': sent } });
      const id = res.headers['x-request-id'] as string;
      expect(id, sent.slice(0, 20)).toMatch(/^[0-9a-f-]{36}$/);
      const line = t.logs.find((l) => l.includes(id) && l.includes('request completed'));
      expect(line).toBeDefined();
      const parsed = JSON.parse(line as string);
      expect(parsed.reqId).toBe(id);
      expect(parsed.callerRequestId).toBe(sent.slice(0, 200));
    }
  });
});

describe('finding 15: bad percent-encoding in a path', () => {
  it('is 400 {"detail": …} like every other client error', async () => {
    for (const url of ['/api/v1/tasks/%E0%A4%A', '/api/v1/tasks/%zz', '/auth/api-keys/%ff%fe/rotate', '/%']) {
      const res = await t.app.inject({ method: url.endsWith('rotate') ? 'POST' : 'GET', url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json(), url).toEqual({ detail: 'Invalid URL: malformed percent-encoding' });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});

describe('finding 17: default webhook test ping', () => {
  it('only ports 443 and 80 (or the configured list) on a public host; nothing is sent elsewhere', async () => {
    const u = await signIn(strict.app, clerk);
    for (const port of [22, 25, 6379, 8080, 65535]) {
      const res = await rest(strict.app, 'POST', '/api/v1/webhooks/test', u.headers, {
        webhook_url: `https://example.com:${port}/hook`,
        webhook_secret: 's',
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        detail: `Webhook delivery failed: port ${port} is not allowed (allowed: 443, 80, 8443)`,
      });
    }
  });

  it('a target that cannot be reached is reported without network detail', async () => {
    const u = await signIn(strict.app, clerk);
    // An allowed port on a name that does not resolve here (no network): the DNS error is not told.
    const res = await rest(strict.app, 'POST', '/api/v1/webhooks/test', u.headers, {
      webhook_url: 'https://hooks.example.invalid:8443/x',
      webhook_secret: 's',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ detail: 'Webhook delivery failed: the target could not be reached' });
    const v = await signIn(t.app, clerk);
    const closed = await rest(t.app, 'POST', '/api/v1/webhooks/test', v.headers, {
      webhook_url: 'http://127.0.0.1:9/hook',
      webhook_secret: 's',
    });
    expect(closed.body).toEqual({ detail: 'Webhook delivery failed: the target could not be reached' });
  });
});
