// Anonymous callers cannot flood the shared stores or the database: a persisted query is
// stored only when it fits every limit (size included, comments count), and requests
// without credentials are limited per client address across instances (through Redis).
import { createHash, randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/graphql/limits.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, signIn } from '../helpers/identity.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const LIMIT = 10;

let tdb: TestDatabase;
let clerk: FakeClerk;
let a: TestApp;
let b: TestApp;
let redis: Redis;
let haveRedis = false;
const storedHashes: string[] = [];

async function connectRedis(): Promise<boolean> {
  redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  [tdb, clerk, haveRedis] = await Promise.all([createTestDatabase(), startFakeClerk(), connectRedis()]);
  if (!haveRedis && process.env.CI) throw new Error(`Redis does not answer at ${REDIS_URL}`);
  const env = clerkEnv(clerk, { ANONYMOUS_LIMIT_PER_MINUTE: String(LIMIT), ...(haveRedis && { REDIS_URL }) });
  a = await startApp(tdb, { env, ownPool: true });
  b = await startApp(tdb, { env, ownPool: true });
});
afterAll(async () => {
  if (haveRedis) {
    for (const h of storedHashes) for (const k of await redis.keys(`*${h}`)) await redis.del(k);
  }
  redis?.disconnect();
  await a?.close();
  await b?.close();
  await clerk?.close();
  await tdb?.drop();
});

/** A client address of its own for each test and run (the limit is shared through Redis). */
const address = () => `198.18.${randomInt(256)}.${randomInt(1, 255)}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function graphql(app: TestApp, from: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await app.app.inject({
    method: 'POST',
    url: '/graphql',
    remoteAddress: from,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json(), raw: res.body, headers: res.headers };
}

/** Bytes the shared APQ store holds for this hash (0 = nothing). */
async function storedBytes(hash: string): Promise<number> {
  const keys = await redis.keys(`*${hash}`);
  let bytes = 0;
  for (const k of keys) bytes += await redis.strlen(k);
  return bytes;
}

describe('persisted queries', () => {
  it('a 1 MB comment in front of { __typename } is refused unparsed and stores nothing', async (ctx) => {
    if (!haveRedis) ctx.skip();
    const from = address();
    const query = `# ${'x'.repeat(1_000_000)}\n{ __typename }`;
    const hash = sha256(query);
    storedHashes.push(hash);
    const sql = a.database.stats.queries;
    const res = await graphql(a, from, { query, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
    await new Promise((r) => setTimeout(r, 50)); // Apollo writes the cache without awaiting it
    const bytes = await storedBytes(hash);
    console.log(`[anonymous-flood.test] 1 MB comment: HTTP ${res.status}, ${bytes} bytes stored in the APQ cache`);
    expect(res.status, res.raw.slice(0, 300)).toBe(400);
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors[0].message).toMatch(/too large/);
    expect(bytes).toBe(0);
    expect(a.database.stats.queries).toBe(sql);
    // The hash alone is unknown on either instance.
    for (const app of [a, b]) {
      const again = await graphql(app, from, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
      expect(again.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    }
  });

  it('the size limit is on bytes, comments included; a document just under it passes', async () => {
    const from = address();
    const fits = `{ __typename }\n# ${'é'.repeat((LIMITS.maxQueryBytes - 20) / 2)}`;
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(LIMITS.maxQueryBytes);
    expect((await graphql(a, from, { query: fits })).status).toBe(200);
    const over = `${fits}éé`;
    expect(Buffer.byteLength(over)).toBeGreaterThan(LIMITS.maxQueryBytes);
    expect((await graphql(a, from, { query: over })).status).toBe(400);
  });

  it('a document refused by a later limit (arguments, cost) is not stored; a good one is, for both instances', async (ctx) => {
    if (!haveRedis) ctx.skip();
    const from = address();
    const bad = `{ publicTasks(limit: -1) { total } # ${Date.now()}\n}`;
    const badHash = sha256(bad);
    const good = `{ publicTasks(limit: 1) { total } # ${Date.now()}\n}`;
    const goodHash = sha256(good);
    storedHashes.push(badHash, goodHash);
    const refused = await graphql(a, from, {
      query: bad,
      extensions: { persistedQuery: { version: 1, sha256Hash: badHash } },
    });
    expect(refused.status).toBe(400);
    const ok = await graphql(a, from, {
      query: good,
      extensions: { persistedQuery: { version: 1, sha256Hash: goodHash } },
    });
    expect(ok.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(await storedBytes(badHash)).toBe(0);
    expect(await storedBytes(goodHash)).toBe(good.length);
    const viaB = await graphql(b, from, { extensions: { persistedQuery: { version: 1, sha256Hash: goodHash } } });
    expect(viaB.status, viaB.raw).toBe(200);
    expect(viaB.body.data.publicTasks.total).toBe(0);
  });
});

describe('anonymous requests per client address', () => {
  it(`${LIMIT} a minute, shared by both instances over REST and GraphQL; then 429 with Retry-After`, async (ctx) => {
    if (!haveRedis) ctx.skip();
    const from = address();
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const app = i % 2 ? b : a;
      statuses.push(
        i % 3
          ? (await app.app.inject({ method: 'GET', url: '/api/v1/public/tasks', remoteAddress: from })).statusCode
          : (await graphql(app, from, { query: '{ publicTasks { total } }' })).status,
      );
    }
    expect(statuses).toEqual(Array(LIMIT).fill(200));

    const rest = await b.app.inject({ method: 'GET', url: '/api/v1/public/tasks', remoteAddress: from });
    expect(rest.statusCode).toBe(429);
    expect(rest.json()).toEqual({ detail: 'Too many requests' });
    expect(Number(rest.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(rest.headers['retry-after'])).toBeLessThanOrEqual(60);

    const gql = await graphql(a, from, { query: '{ publicTasks { total } }' });
    expect(gql.status).toBe(429);
    expect(gql.body.errors[0]).toMatchObject({
      message: 'Too many requests',
      extensions: { code: 'TOO_MANY_REQUESTS' },
    });
    expect(gql.headers['retry-after']).toBeDefined();

    // Other routes without credentials count too (a 401 costs a request like any other).
    expect((await a.app.inject({ method: 'GET', url: '/auth/me', remoteAddress: from })).statusCode).toBe(429);
    // Not limited: callers with credentials, health checks, docs, another address.
    const u = await signIn(a.app, clerk);
    for (const app of [a, b]) {
      expect(
        (await app.app.inject({ method: 'GET', url: '/auth/me', remoteAddress: from, headers: u.headers })).statusCode,
      ).toBe(200);
    }
    expect((await a.app.inject({ method: 'GET', url: '/healthz', remoteAddress: from })).statusCode).toBe(200);
    expect((await a.app.inject({ method: 'GET', url: '/docs/', remoteAddress: from })).statusCode).toBeLessThan(400);
    expect(
      (await b.app.inject({ method: 'GET', url: '/api/v1/public/tasks', remoteAddress: address() })).statusCode,
    ).toBe(200);
  });
});
