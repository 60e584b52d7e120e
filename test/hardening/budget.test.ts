// Issue 23, finding 4: a budget per key (per user for sessions) of REST requests and
// GraphQL cost points per window, RateLimit-* headers on every answer to an authenticated
// request, 429 `Too many requests` + Retry-After when spent, a per-user cap on concurrent
// expensive operations (over it they wait their turn), and one budget across instances
// through Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WAITING_PER_USER } from '../../src/budget/fair-share.js';
import { gqlRaw } from '../api-keys/helpers.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

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
let one: TestApp;
let two: TestApp;
let haveRedis = false;

const REST_LIMIT = 8;
const POINTS = 60;

beforeAll(async () => {
  [tdb, clerk, haveRedis] = await Promise.all([createTestDatabase(), startFakeClerk(), redisAnswers()]);
  if (!haveRedis && process.env.CI) throw new Error(`Redis does not answer at ${REDIS_URL}`);
  const env = clerkEnv(clerk, {
    API_KEY_CREATE_LIMIT_PER_MINUTE: '1000',
    RATE_LIMIT_REST_REQUESTS: String(REST_LIMIT),
    RATE_LIMIT_GRAPHQL_POINTS: String(POINTS),
    RATE_LIMIT_EXPENSIVE_COST: '20',
    RATE_LIMIT_EXPENSIVE_CONCURRENCY: '1',
    RATE_LIMIT_REFUSAL_HOLD_MS: '50',
    // Synced by the test itself (container.budgets.sync()), not by the clock.
    RATE_LIMIT_SYNC_MS: '10000',
    ...(haveRedis && { REDIS_URL }),
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

/** A user with a key, and neither has spent anything yet (key creation and sync are sessions' REST calls). */
async function caller() {
  const u = await signIn(one.app, clerk);
  const { key, key_info } = await createKey(one.app, u.headers);
  return { u, key, keyId: key_info.id as string };
}

describe('REST budget', () => {
  it('headers on every answer; the request past the limit is 429 with Retry-After; another key is unaffected', async () => {
    const { key } = await caller();
    const seen: number[] = [];
    for (let i = 0; i < REST_LIMIT; i++) {
      const r = await rest(one.app, 'GET', '/auth/me', bearer(key));
      expect(r.status).toBe(200);
      expect(r.headers['ratelimit-limit']).toBe(String(REST_LIMIT));
      const reset = Number(r.headers['ratelimit-reset']);
      expect(reset).toBeGreaterThanOrEqual(0);
      expect(reset).toBeLessThanOrEqual(60);
      seen.push(Number(r.headers['ratelimit-remaining']));
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1, 0]);
    const spent = await rest(one.app, 'GET', '/api/v1/tasks', bearer(key));
    expect(spent.status).toBe(429);
    expect(spent.body).toEqual({ detail: 'Too many requests' });
    expect(Number(spent.headers['retry-after'])).toBeGreaterThan(0);
    expect(spent.headers['ratelimit-remaining']).toBe('0');
    // Another user's key, and the same user's session (its own budget), still work.
    const other = await caller();
    expect((await rest(one.app, 'GET', '/auth/me', bearer(other.key))).status).toBe(200);
    // Errors answered to an authenticated request carry the headers too.
    const missing = await rest(one.app, 'GET', '/api/v1/tasks/00000000-0000-4000-8000-000000000000', bearer(other.key));
    expect(missing.status).toBe(404);
    expect(missing.headers['ratelimit-remaining']).toBe(String(REST_LIMIT - 2));
  });

  it('sessions are budgeted per user; anonymous requests get no budget headers', async () => {
    const u = await signIn(one.app, clerk);
    const first = await rest(one.app, 'GET', '/auth/me', u.headers);
    expect(first.headers['ratelimit-limit']).toBe(String(REST_LIMIT));
    const anon = await rest(one.app, 'GET', '/api/v1/public/tasks');
    expect(anon.status).toBe(200);
    expect(anon.headers['ratelimit-limit']).toBeUndefined();
  });
});

describe('GraphQL budget', () => {
  it('each operation costs its points; one that does not fit is 429 TOO_MANY_REQUESTS and costs nothing', async () => {
    const { key } = await caller();
    const me = await gqlRaw(one.app, '{ me { id email } }', {}, bearer(key));
    expect(me.status).toBe(200);
    expect(me.headers['ratelimit-limit']).toBe(String(POINTS));
    const left = Number(me.headers['ratelimit-remaining']);
    expect(left).toBeLessThan(POINTS);
    // A page of 100 public tasks (cost 101) costs more than what is left.
    const big = await gqlRaw(one.app, '{ publicTasks(limit: 100) { tasks { id name searchQuery } } }', {}, bearer(key));
    expect(big.status).toBe(429);
    expect(big.body.errors[0]).toMatchObject({
      message: 'Too many requests',
      extensions: { code: 'TOO_MANY_REQUESTS' },
    });
    expect(Number(big.headers['retry-after'])).toBeGreaterThan(0);
    expect(big.headers['ratelimit-remaining']).toBe(String(left));
    // REST has its own budget.
    expect((await rest(one.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
  });

  it('over the per-user cap an expensive operation waits for its turn, then runs; a full queue is 429', async () => {
    const { u, key } = await caller();
    const gate = one.container.budgets.expensive;
    const hold = await gate.acquire(u.clerkUserId);
    expect(hold).toBeDefined();
    const q = '{ publicTasks(limit: 20) { tasks { id name } } }'; // cost 21: expensive here (≥ 20)
    let answered = false;
    const waiting = gqlRaw(one.app, q, {}, bearer(key)).then((r) => {
      answered = true;
      return r;
    });
    // The user's session shares the cap (per user, not per key): it waits in the same queue.
    const session = gqlRaw(one.app, q, {}, u.headers);
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    hold?.();
    const ok = await waiting;
    expect(ok.status, ok.raw).toBe(200);
    expect((await session).status).toBe(200);
    // Every slot was given back when it answered.
    expect((await gqlRaw(one.app, q, {}, bearer(key))).status).toBe(200);
    // A user whose queue is full is refused (after the hold), with Retry-After: 1 (the
    // session, whose points are not spent yet).
    const held = await gate.acquire(u.clerkUserId);
    const queued = Array.from({ length: MAX_WAITING_PER_USER }, () => gate.acquire(u.clerkUserId));
    const refused = await gqlRaw(one.app, q, {}, u.headers);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    held?.();
    for (const next of queued) (await next)?.();
  });
});

describe('across instances', () => {
  it('one budget: what one instance charged, the other counts after a sync (Redis)', async (ctx) => {
    if (!haveRedis) ctx.skip();
    const { key } = await caller();
    for (let i = 0; i < 5; i++) expect((await rest(one.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    await one.container.budgets.sync();
    // The first request on the other instance is counted locally (no round trip on the request path)…
    expect((await rest(two.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    await two.container.budgets.sync();
    // …and the next sync brings everyone's total: 6 of 8 spent.
    const there = await rest(two.app, 'GET', '/auth/me', bearer(key));
    expect(there.headers['ratelimit-remaining']).toBe('1');
    await two.container.budgets.sync();
    await one.container.budgets.sync();
    expect((await rest(one.app, 'GET', '/auth/me', bearer(key))).headers['ratelimit-remaining']).toBe('0');
    expect((await rest(one.app, 'GET', '/auth/me', bearer(key))).status).toBe(429);
  });
});
