// Rotation with a grace window across two gateway instances (each its own pool and
// caches, one database): requests with the old key A never fail during the window, A is
// refused on both instances right after it, and the new key B works throughout. Also:
// concurrent rotations make exactly one new key, and "one active key" still holds.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { gqlRaw } from './helpers.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let one: TestApp;
let two: TestApp;

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  // A script that keeps using A after the window fails on purpose: do not let those
  // failures rate-limit its address, nor the clients' pace (hundreds a second, far over a
  // key's REST budget on a quiet machine) spend the key's budget (both have their own tests).
  const env = clerkEnv(clerk, {
    API_KEY_CREATE_LIMIT_PER_MINUTE: '1000',
    AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_REST_REQUESTS: '0',
  });
  one = await startApp(tdb, { env, ownPool: true });
  two = await startApp(tdb, { env, ownPool: true });
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await clerk?.close();
  await tdb?.drop();
});

interface Sample {
  /** When the request was sent, and when its answer came. */
  start: number;
  at: number;
  instance: 1 | 2;
  key: 'A' | 'B';
  status: number;
  detail?: string;
}

describe('rotation under load, two instances', () => {
  it('A works on both instances for the whole 10 s window, is refused within 1 s after; B throughout', async () => {
    const u = await signIn(one.app, clerk);
    const { key: a, key_info } = await createKey(one.app, u.headers);
    const samples: Sample[] = [];
    let stop = false;
    let b: string | undefined;
    // Two clients per instance (A everywhere, and B once it exists), back to back.
    const client = async (instance: 1 | 2, which: 'A' | 'B') => {
      const app = instance === 1 ? one.app : two.app;
      while (!stop) {
        const key = which === 'A' ? a : b;
        if (!key) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        const start = Date.now();
        const res = await app.inject({ method: 'GET', url: '/api/v1/tasks', headers: bearer(key) });
        samples.push({
          start,
          at: Date.now(),
          instance,
          key: which,
          status: res.statusCode,
          ...(res.statusCode !== 200 && { detail: res.json().detail }),
        });
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const clients = [client(1, 'A'), client(2, 'A'), client(1, 'B'), client(2, 'B')];
    await new Promise((r) => setTimeout(r, 500));

    const rotated = await rest(two.app, 'POST', `/auth/api-keys/${key_info.id}/rotate`, u.headers, {
      grace_period_seconds: 10,
    });
    expect(rotated.status, rotated.raw).toBe(200);
    b = rotated.body.key as string;
    expect(rotated.body.key_info).toMatchObject({ name: 'My API Key', is_active: true, replaced_by_key_id: null });
    const old = (await rest(one.app, 'GET', '/auth/api-keys', u.headers)).body.find(
      (k: { id: string }) => k.id === key_info.id,
    );
    expect(old.replaced_by_key_id).toBe(rotated.body.key_info.id);
    const graceEnd = Date.parse(old.expires_at);
    expect(graceEnd - Date.now()).toBeGreaterThan(9_000);

    await new Promise((r) => setTimeout(r, graceEnd - Date.now() + 1_500));
    stop = true;
    await Promise.all(clients);

    const inWindow = samples.filter((s) => s.key === 'A' && s.at < graceEnd);
    const aFailedInWindow = inWindow.filter((s) => s.status !== 200);
    const bSamples = samples.filter((s) => s.key === 'B');
    const bFailed = bSamples.filter((s) => s.status !== 200);
    const afterWindow = samples.filter((s) => s.key === 'A' && s.at >= graceEnd + 1_000);
    const refusedAfter = samples.filter((s) => s.key === 'A' && s.at >= graceEnd && s.status === 401);
    const firstRefusal = (i: 1 | 2) => refusedAfter.find((s) => s.instance === i)?.at ?? Number.NaN;
    // No request sent after the end was accepted.
    const lastSuccess = Math.max(...samples.filter((s) => s.key === 'A' && s.status === 200).map((s) => s.start));
    const figures = {
      aRequestsInWindow: inWindow.length,
      aFailedInWindow: aFailedInWindow.length,
      bRequests: bSamples.length,
      bFailed: bFailed.length,
      aRequestsAfterWindowPlus1s: afterWindow.length,
      aAcceptedAfterWindowPlus1s: afterWindow.filter((s) => s.status === 200).length,
      msToRefusalInstance1: firstRefusal(1) - graceEnd,
      msToRefusalInstance2: firstRefusal(2) - graceEnd,
      lastAcceptedSentMsBeforeEnd: graceEnd - lastSuccess,
    };
    console.log('[rotation] figures', JSON.stringify(figures));

    expect(inWindow.filter((s) => s.instance === 1).length).toBeGreaterThan(50);
    expect(inWindow.filter((s) => s.instance === 2).length).toBeGreaterThan(50);
    expect(aFailedInWindow).toEqual([]);
    expect(bSamples.length).toBeGreaterThan(50);
    expect(bFailed).toEqual([]);
    expect(afterWindow.length).toBeGreaterThan(10);
    expect(afterWindow.every((s) => s.status === 401 && s.detail === 'API key has expired')).toBe(true);
    expect(figures.msToRefusalInstance1).toBeLessThan(1_000);
    expect(figures.msToRefusalInstance2).toBeLessThan(1_000);
    expect(lastSuccess).toBeLessThanOrEqual(graceEnd);
  }, 30_000);

  it('concurrent rotations of one key (both instances, REST and GraphQL) make exactly one new key', async () => {
    const u = await signIn(one.app, clerk);
    const { key_info } = await createKey(one.app, u.headers);
    const attempts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? rest(i % 4 === 0 ? one.app : two.app, 'POST', `/auth/api-keys/${key_info.id}/rotate`, u.headers)
          : gqlRaw(
              i % 4 === 1 ? one.app : two.app,
              `mutation { rotateApiKey(id: "${key_info.id}", gracePeriodSeconds: 60) { key keyInfo { id } } }`,
              {},
              u.headers,
            ),
      ),
    );
    const won = attempts.filter((r) => r.status === 200 && !r.body.errors);
    expect(won).toHaveLength(1);
    for (const r of attempts.filter((x) => !won.includes(x))) {
      if (r.body.errors) {
        expect(r.body.errors[0].message).toBe('API key cannot be rotated');
        expect(r.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      } else {
        expect(r.status).toBe(400);
        expect(r.body).toEqual({ detail: 'API key cannot be rotated' });
      }
    }
    const rows = await sql<{ n: number }>`select count(*)::int as n from api_keys where user_id = ${u.userId}`.execute(
      tdb.database.db,
    );
    expect(rows.rows[0]?.n).toBe(2);
  });

  it('one active key still holds: creating during the grace window is refused, and so is a second row', async () => {
    const u = await signIn(one.app, clerk);
    const { key_info } = await createKey(one.app, u.headers);
    const r = await rest(one.app, 'POST', `/auth/api-keys/${key_info.id}/rotate`, u.headers, {
      grace_period_seconds: 600,
    });
    expect(r.status).toBe(200);
    const again = await rest(two.app, 'POST', '/auth/api-keys', u.headers, { name: 'x' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({
      detail: 'You already have an active API key. Please revoke it before creating a new one.',
    });
    // The database decides, not only the service's early check.
    await expect(
      sql`insert into api_keys (user_id, key_prefix, key_hash, name) values (${u.userId}, 'sk_dbcheck0000...', 'x', 'x')`.execute(
        tdb.database.db,
      ),
    ).rejects.toMatchObject({ code: '23505', constraint: 'api_keys_one_active_per_user' });
    // A replaced key cannot be rotated again; nor can a revoked one; an unknown id is 404.
    const twice = await rest(one.app, 'POST', `/auth/api-keys/${key_info.id}/rotate`, u.headers, {});
    expect(twice.body).toEqual({ detail: 'API key cannot be rotated' });
    const bad = await rest(one.app, 'POST', `/auth/api-keys/${key_info.id}/rotate`, u.headers, {
      grace_period_seconds: 604_801,
    });
    expect(bad.status).toBe(422);
    const missing = await rest(
      one.app,
      'POST',
      '/auth/api-keys/00000000-0000-0000-0000-000000000000/rotate',
      u.headers,
    );
    expect(missing.body).toEqual({ detail: 'API key not found' });
  });

  it('grace 0 refuses the old key at once', async () => {
    const u = await signIn(one.app, clerk);
    const { key, key_info } = await createKey(one.app, u.headers);
    const r = await rest(one.app, 'POST', `/auth/api-keys/${key_info.id}/rotate`, u.headers, {
      grace_period_seconds: 0,
    });
    expect(r.status).toBe(200);
    const old = await rest(two.app, 'GET', '/auth/me', bearer(key));
    expect(old.body).toEqual({ detail: 'API key has expired' });
    expect((await rest(two.app, 'GET', '/auth/me', bearer(r.body.key))).status).toBe(200);
  });
});
