// The database goes away under a running gateway: requests get 503 JSON, /readyz 503,
// /healthz 200, no crash; when it is back, requests succeed without a restart.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, reachedVia, type TestDatabase } from '../helpers/db.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const tpl = inject('pgTemplate');

let tdb: TestDatabase;
let proxy: TcpProxy;
let t: TestApp;

describe.skipIf(!tpl)('PostgreSQL outage', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const u = new URL(tdb.url!);
    proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
    t = await startApp(reachedVia(tdb, { port: proxy.port, connectTimeoutMs: 1000 }), {
      env: { TORALE_NOAUTH: '1' },
      ownPool: true,
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await tdb?.drop();
  });

  it('answers 503 while the database is away and recovers by itself', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/auth/me' })).statusCode).toBe(200);

    await proxy.cut();
    const me = await t.app.inject({ method: 'GET', url: '/auth/me' });
    expect(me.statusCode).toBe(503);
    expect(me.json()).toEqual({ detail: 'Service temporarily unavailable' });
    const gql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json' },
      payload: { query: '{ me { id } }' },
    });
    expect(gql.json().errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

    await proxy.restore();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await t.app.inject({ method: 'GET', url: '/auth/me' })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
