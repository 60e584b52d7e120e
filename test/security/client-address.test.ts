// The client behind TRUST_PROXY hops is one address for HTTP and the live WebSocket
// (@fastify/proxy-addr for both): limits per address follow the client, not the balancer,
// and a client cannot pick its address by sending X-Forwarded-For to an instance that
// trusts no proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

const get = async (t: TestApp, forwardedFor?: string) =>
  (await fetch(`${t.url}/auth/me`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} })).status;

/** An anonymous graphql-ws connection: its close code, or the status its upgrade was refused with. */
const wsClose = (t: TestApp, forwardedFor: string) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${t.url!.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
      headers: { 'x-forwarded-for': forwardedFor },
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('close', (code) => resolve(code));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', reject);
  });

describe('TRUST_PROXY=1 (one balancer in front)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(tdb, { env: { TRUST_PROXY: '1', ANONYMOUS_LIMIT_PER_MINUTE: '1' }, listen: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('each client behind the balancer has its own anonymous limit, over HTTP and WebSocket alike', async () => {
    // The balancer appends the client it saw; anything the client wrote before it is not trusted.
    expect(await get(t, '203.0.113.7')).toBe(401);
    expect(await get(t, '198.51.100.1, 203.0.113.8')).toBe(401);
    expect(await get(t, '203.0.113.7')).toBe(429);
    expect(await get(t, '203.0.113.7, 203.0.113.8')).toBe(429);
    expect(await wsClose(t, '203.0.113.7')).toBe(429);
    expect(await wsClose(t, '203.0.113.9')).toBe(4401);
    expect(await get(t, '203.0.113.9')).toBe(429);
  });
});

describe('TRUST_PROXY=0 (no proxy)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(tdb, { env: { ANONYMOUS_LIMIT_PER_MINUTE: '1' }, listen: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('X-Forwarded-For is ignored: every request is the socket peer', async () => {
    expect(await get(t, '203.0.113.7')).toBe(401);
    expect(await get(t, '203.0.113.8')).toBe(429);
    expect(await wsClose(t, '203.0.113.9')).toBe(429);
  });
});
