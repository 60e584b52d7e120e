// Two gateway instances on one database (each with its own pool and caches): revocation
// through one is refused by the other on its very next request, and the key-creation
// rate limit is shared through Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

async function redisAnswers(): Promise<boolean> {
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

let tdb: TestDatabase;
let clerk: FakeClerk;
let a: TestApp;
let b: TestApp;
let haveRedis = false;

beforeAll(async () => {
  [tdb, clerk, haveRedis] = await Promise.all([createTestDatabase(), startFakeClerk(), redisAnswers()]);
  if (!haveRedis && process.env.CI) throw new Error(`Redis does not answer at ${REDIS_URL}`);
  const env = clerkEnv(clerk, haveRedis ? { REDIS_URL } : {});
  a = await startApp(tdb, { env, ownPool: true, listen: true });
  b = await startApp(tdb, { env, ownPool: true, listen: true });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await clerk?.close();
  await tdb?.drop();
});

describe('two instances', () => {
  it('a key revoked through A is refused by B on its next request, though B had verified it', async () => {
    const u = await signIn(a.app, clerk);
    const { key, key_info } = await createKey(a.app, u.headers);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${b.url}/auth/me`, { headers: bearer(key) });
      expect(res.status).toBe(200);
    }
    expect(b.container.apiKeyVerifier.stats.verifiedCacheHits).toBeGreaterThanOrEqual(2);
    const revoke = await fetch(`${a.url}/auth/api-keys/${key_info.id}`, { method: 'DELETE', headers: u.headers });
    expect(revoke.status).toBe(200);
    const after = await fetch(`${b.url}/auth/me`, { headers: bearer(key) });
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ detail: 'Invalid API key' });
  });

  it('a user disabled through the database is refused by both at once', async () => {
    const u = await signIn(a.app, clerk);
    const { key } = await createKey(a.app, u.headers);
    expect((await fetch(`${b.url}/auth/me`, { headers: bearer(key) })).status).toBe(200);
    await tdb.database.db.updateTable('users').set({ is_active: false }).where('id', '=', u.userId).execute();
    for (const t of [a, b]) {
      const res = await fetch(`${t.url}/auth/me`, { headers: bearer(key) });
      expect(res.status).toBe(403);
    }
  });

  it('the key-creation limit (3/minute) is shared across instances through Redis', async (ctx) => {
    if (!haveRedis) ctx.skip();
    const u = await signIn(a.app, clerk);
    const statuses: number[] = [];
    for (const t of [a, b, a, b]) {
      const res = await fetch(`${t.url}/auth/api-keys`, {
        method: 'POST',
        headers: { ...u.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'k' }),
      });
      statuses.push(res.status);
      if (res.status === 200) {
        const { key_info } = (await res.json()) as { key_info: { id: string } };
        await fetch(`${t.url}/auth/api-keys/${key_info.id}`, { method: 'DELETE', headers: u.headers });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
