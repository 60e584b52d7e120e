// Cached public reads (issue 27): anonymous GraphQL reads of public tasks come from a response
// cache keyed by the public generation; no entry ever holds what only the owner may see, a
// caller with credentials is never served a shared entry, and a write on one instance is seen
// on another within a second (the NOTIFY on `torale_public` retires every older entry).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicCache } from '../../src/cache/public-cache.js';
import { startApp, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { clerkEnv, createKey, type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let a: TestApp;
let b: TestApp;
let owner: SignedInUser;
let keyHeaders: Record<string, string>;

const until = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const cacheOf = (t: TestApp) => t.container.publicCache as PublicCache;
/** Every entry of an in-memory cache, as stored. */
const entries = (t: TestApp) => {
  const store = cacheOf(t).store as unknown as { keys(): string[]; get(k: string): Promise<string | undefined> };
  return Promise.all(store.keys().map((k) => store.get(k))).then((v) => [...v, ...cacheOf(t).keptAnswers()]);
};

async function query(t: TestApp, q: string, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ query: q }),
  });
  expect(res.statusCode, res.body).toBe(200);
  return { raw: res.body, body: res.json() };
}

const LIST = '{ publicTasks(limit: 50) { total tasks { id name viewCount } } }';
const WITH_TARGETS =
  '{ publicTasks(limit: 50) { tasks { id name notifications { type address url headers } webhookSecret } } }';

async function publicTask(name: string) {
  const created = await rest(a.app, 'POST', '/api/v1/tasks', owner.headers, {
    name,
    search_query: `${name} query`,
    notifications: [
      { type: 'email', address: 'owner-private@example.com' },
      { type: 'webhook', url: 'https://hooks.example.com/secret-path', headers: { Authorization: 'Bearer t-secret' } },
    ],
  });
  expect(created.status, created.raw).toBe(200);
  const vis = await rest(a.app, 'PATCH', `/api/v1/tasks/${created.body.id}/visibility`, owner.headers, {
    is_public: true,
  });
  expect(vis.status).toBe(200);
  return created.body as { id: string };
}

beforeAll(async () => {
  ({ tdb, clerk, t: a } = await startClerkGateway());
  b = await startApp(tdb, { env: clerkEnv(clerk), ownPool: true });
  owner = await signIn(a.app, clerk);
  keyHeaders = { authorization: `Bearer ${(await createKey(a.app, owner.headers)).key}` };
  await until(() => cacheOf(a).generation.key !== undefined && cacheOf(b).generation.key !== undefined);
});
afterAll(async () => {
  await b?.close();
  await stopClerkGateway({ t: a, clerk, tdb });
});

describe('public response cache', () => {
  it('the SDL carries the cache hints', async () => {
    const { printSortedSchema } = await import('../../src/graphql/schema.js');
    const { gatewaySchema } = await import('../../src/plugins/resolvers.js');
    const sdl = await printSortedSchema(await gatewaySchema());
    expect(sdl).toMatch(/publicFeed\(limit: Int\): \[FeedExecution!\]! @cacheControl\(maxAge: 60\)/);
    expect(sdl).toMatch(/notifications: \[Notification!\]! @cacheControl\(scope: PRIVATE\)/);
  });

  it('anonymous reads are answered from the cache; the owner and keys never are', async () => {
    const task = await publicTask('cached one');
    const before = { ...cacheOf(a).stats };
    const first = await query(a, LIST);
    expect(first.body.data.publicTasks.tasks.map((t: { id: string }) => t.id)).toContain(task.id);
    const second = await query(a, LIST);
    expect(second.body).toEqual(first.body);
    expect(cacheOf(a).stats.misses - before.misses).toBe(1);
    expect(cacheOf(a).stats.hits - before.hits).toBe(1);

    // The owner's and a key's reads run every time and write nothing.
    const stored = (await entries(a)).length;
    for (const h of [owner.headers, keyHeaders]) {
      const own = await query(a, WITH_TARGETS, h);
      expect(own.body.errors).toBeUndefined();
      await query(a, LIST, h);
    }
    expect((await entries(a)).length).toBe(stored);
    expect(cacheOf(a).stats.hits - before.hits).toBe(1);
  });

  it('a private field never lands in a shared entry', async () => {
    const task = await publicTask('owner reads first');
    // The owner reads their task with its notification targets (GraphQL and REST) …
    const own = await query(a, `{ task(id: "${task.id}") { notifications { address url headers } } }`, owner.headers);
    expect(own.raw).toContain('secret-path');
    await query(a, WITH_TARGETS, owner.headers);
    await query(a, WITH_TARGETS, keyHeaders);
    // … then anonymous callers ask for the same fields, twice: never from a shared entry.
    for (let i = 0; i < 2; i++) {
      const anon = await query(a, WITH_TARGETS);
      expect(anon.raw).not.toContain('secret-path');
      expect(anon.raw).not.toContain('owner-private@example.com');
      expect(anon.raw).not.toContain('t-secret');
    }
    await query(a, LIST);
    const all = (await entries(a)).join('\n');
    expect(all.length).toBeGreaterThan(0);
    for (const secret of ['secret-path', 'owner-private@example.com', 't-secret', 'notifications', 'webhookSecret']) {
      expect(all).not.toContain(secret);
    }
  });

  it('a write on one instance shows on the other within a second', async () => {
    const task = await publicTask('before the write');
    await until(async () => (await query(b, LIST)).raw.includes(task.id));
    const hitsBefore = cacheOf(b).stats.hits;
    await query(b, LIST);
    expect(cacheOf(b).stats.hits).toBe(hitsBefore + 1); // B answers from its cache now

    const renamed = await rest(a.app, 'PUT', `/api/v1/tasks/${task.id}`, owner.headers, { name: 'after the write' });
    expect(renamed.status, renamed.raw).toBe(200);
    const wrote = Date.now();
    await until(async () => (await query(b, LIST)).raw.includes('after the write'), 1000);
    expect(Date.now() - wrote).toBeLessThan(1000);

    // Made private on A: gone from B's anonymous answers within a second.
    await rest(a.app, 'PATCH', `/api/v1/tasks/${task.id}/visibility`, owner.headers, { is_public: false });
    const hid = Date.now();
    await until(async () => !(await query(b, LIST)).raw.includes(task.id), 1000);
    expect(Date.now() - hid).toBeLessThan(1000);
  });
});

describe('REST: ETag, Cache-Control and 304', () => {
  it('public GETs carry an ETag; If-None-Match answers 304; the owner’s view stays private', async () => {
    const task = await publicTask('etag one');
    for (const url of [
      '/api/v1/public/tasks',
      `/api/v1/public/tasks/id/${task.id}`,
      '/api/v1/public/feed',
      `/tasks/${task.id}/rss`,
      '/api/v1/templates',
    ]) {
      const first = await a.app.inject({ method: 'GET', url });
      expect(first.statusCode, url).toBe(200);
      const etag = first.headers.etag as string;
      expect(etag, url).toMatch(/^"[\w-]{32}"$/);
      expect(first.headers['cache-control'], url).toBe('public, no-cache');
      const again = await a.app.inject({ method: 'GET', url, headers: { 'if-none-match': `W/"x", ${etag}` } });
      expect(again.statusCode, url).toBe(304);
      expect(again.body, url).toBe('');
      expect(again.headers.etag, url).toBe(etag);
      const other = await a.app.inject({ method: 'GET', url, headers: { 'if-none-match': '"something-else"' } });
      expect(other.statusCode, url).toBe(200);
    }
    // The list changes when a task is renamed: the old ETag no longer matches.
    const list = await a.app.inject({ method: 'GET', url: '/api/v1/public/tasks' });
    await rest(a.app, 'PUT', `/api/v1/tasks/${task.id}`, owner.headers, { name: 'etag renamed' });
    const after = await a.app.inject({
      method: 'GET',
      url: '/api/v1/public/tasks',
      headers: { 'if-none-match': list.headers.etag as string },
    });
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('etag renamed');

    const mine = await a.app.inject({
      method: 'GET',
      url: `/api/v1/public/tasks/id/${task.id}`,
      headers: owner.headers,
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.headers['cache-control']).toBe('private, no-store');
    expect(mine.headers.etag).toBeUndefined();
    expect(mine.body).toContain('secret-path');
  });
});

describe('Redis-backed', () => {
  const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/13';
  let c: TestApp;
  let d: TestApp;
  beforeAll(async () => {
    c = await startApp(tdb, { env: clerkEnv(clerk, { REDIS_URL }), ownPool: true });
    d = await startApp(tdb, { env: clerkEnv(clerk, { REDIS_URL }), ownPool: true });
    await until(() => cacheOf(c).generation.key !== undefined && cacheOf(d).generation.key !== undefined);
  });
  afterAll(async () => {
    await c?.close();
    await d?.close();
  });

  it('instances share entries through Redis, and a write retires them for both', async () => {
    expect(cacheOf(c).backend).toBe('redis');
    const task = await publicTask('in redis');
    const q = `{ publicTasks(limit: 50, sortBy: RECENT) { tasks { id name } } }`;
    await until(async () => (await query(c, q)).raw.includes(task.id));
    const dHits = cacheOf(d).stats.hits;
    const fromD = await query(d, q);
    expect(fromD.raw).toContain(task.id);
    expect(cacheOf(d).stats.hits).toBe(dHits + 1); // stored by C, served by D

    await rest(a.app, 'PUT', `/api/v1/tasks/${task.id}`, owner.headers, { name: 'in redis, renamed' });
    const wrote = Date.now();
    await until(
      async () => (await query(c, q)).raw.includes('in redis, renamed') && (await query(d, q)).raw.includes('renamed'),
      1000,
    );
    expect(Date.now() - wrote).toBeLessThan(1000);
  });
});
