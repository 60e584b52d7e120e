// One accounting path for every way in (auth/accounting.ts): a WebSocket's refused
// credentials count with the address's HTTP failures, an address over the limit gets 429
// (close 4429) before any verification on either, every refusal reaches the failure
// metric, and anonymous WebSocket attempts spend the address's anonymous requests (one each,
// at the upgrade, which is refused with 429 once they are spent).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { subscribe } from '../helpers/live.js';

const TASKS = 'subscription { taskUpdated { id } }';
const BAD_KEY = 'Bearer sk_not_a_real_key';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

const wsClose = async (t: TestApp, authorization?: string) => {
  const client = subscribe(t.url!, TASKS, authorization ? { authorization } : {});
  const closed = await client.closed;
  await client.dispose();
  return closed;
};
/** The HTTP status an upgrade is refused with, or 101 when the socket opened. */
const upgradeRefusal = (t: TestApp) =>
  new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`${t.url!.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
const httpStatus = async (t: TestApp, authorization?: string) =>
  (await fetch(`${t.url}/auth/me`, { headers: authorization ? { authorization } : {} })).status;
const failureMetric = async (t: TestApp) => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('torale_auth_failures_total{reason="Invalid API key"}'));
  return Number(line?.split(' ').pop() ?? 0);
};

describe('refused credentials, over HTTP and WebSocket', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(tdb, { env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '3' }, listen: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('add up per address; over the limit both are refused before any verification, and each refusal is counted', async () => {
    const verifications = () => t.container.apiKeyVerifier.stats.formatRejects;
    expect(await httpStatus(t, BAD_KEY)).toBe(401);
    expect(await wsClose(t, BAD_KEY)).toEqual({ code: 4401, reason: 'Invalid API key' });
    expect(await httpStatus(t, BAD_KEY)).toBe(401);
    expect(verifications()).toBe(3);
    expect(await failureMetric(t)).toBe(3);

    expect(await wsClose(t, BAD_KEY)).toEqual({ code: 4429, reason: 'Too many requests' });
    expect(await httpStatus(t, BAD_KEY)).toBe(429);
    expect(verifications()).toBe(3);
  });
});

describe('anonymous WebSocket attempts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(tdb, { env: { ANONYMOUS_LIMIT_PER_MINUTE: '2' }, listen: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it("spend the address's anonymous requests, one each, as anonymous HTTP requests do", async () => {
    expect(await wsClose(t)).toEqual({ code: 4401, reason: 'Authorization header missing' });
    expect(await httpStatus(t)).toBe(401);
    expect(await upgradeRefusal(t)).toBe(429);
    expect(await httpStatus(t)).toBe(429);
  });
});
