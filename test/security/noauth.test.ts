// No-auth mode lends the dev user only to requests that come from this machine: a web
// page cannot borrow it by DNS rebinding (a foreign Host) or by a cross-site POST.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOAUTH_HOST_REFUSED, NOAUTH_ORIGIN_REFUSED } from '../../src/auth/strategies/dev-user.strategy.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb, { env: { TORALE_NOAUTH: '1', CORS_ORIGINS: 'http://dashboard.test:5173' } });
});
afterAll(async () => {
  await t?.close();
  await tdb?.drop();
});

const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>) =>
  t.app.inject({ method, url, headers });

describe('no-auth mode', () => {
  it.each(['localhost', 'localhost:8000', '127.0.0.1:8000', '127.5.6.7', '[::1]:8000'])(
    'serves the dev user for Host %s',
    async (host) => {
      const res = await call('GET', '/auth/me', { host });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().clerk_user_id).toBe('user_noauth_dev');
    },
  );

  it.each(['evil.example', 'evil.example:8000', '10.0.0.5:8000', 'localhost.evil.example', '[::2]:8000'])(
    'refuses Host %s (DNS rebinding), on REST and GraphQL',
    async (host) => {
      const res = await call('GET', '/auth/me', { host });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ detail: NOAUTH_HOST_REFUSED });
      const g = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { host, 'content-type': 'application/json' },
        payload: { query: '{ me { email } }' },
      });
      expect(g.statusCode).toBe(403);
      expect(g.json().errors[0]).toMatchObject({ message: NOAUTH_HOST_REFUSED, extensions: { code: 'FORBIDDEN' } });
    },
  );

  it('refuses a body-less cross-site POST; same-machine and configured origins pass', async () => {
    const evil = await call('POST', '/auth/mark-welcome-seen', { origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json()).toEqual({ detail: NOAUTH_ORIGIN_REFUSED });
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:8000', 'http://dashboard.test:5173']) {
      const ok = await call('POST', '/auth/mark-welcome-seen', { origin });
      expect(ok.statusCode, origin).toBe(200);
    }
    expect((await call('POST', '/auth/mark-welcome-seen', {})).statusCode).toBe(200);
    // Reads are not state-changing; the browser's CORS keeps their answers from a foreign page.
    expect((await call('GET', '/auth/me', { origin: 'https://evil.example' })).statusCode).toBe(200);
  });

  it('credentials that are sent are checked as usual whatever the Host', async () => {
    const res = await call('GET', '/auth/me', { host: 'evil.example', authorization: 'Bearer sk_not_a_real_key' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ detail: 'Invalid API key' });
  });
});
