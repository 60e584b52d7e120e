// Issue 27, trusted documents: manifests (one per client, two formats) loaded from a directory
// and re-read without a restart; ids as Apollo Client's persisted-query link sends them
// (extensions.persistedQuery.sha256Hash) or as documentId; in `require` mode anything else is
// refused with a clear error unless the caller holds the free-form scope; in `log` mode it runs
// and is counted and logged. The dashboard's real build (every operation, through Apollo Client
// with ids only) is test/clients/apollo-trusted-build.test.ts.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlRaw } from '../api-keys/helpers.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const ME = 'query Me { me { id email } }';
const TASKS = 'query Tasks { tasks { id name } }';
const TEMPLATES = 'query Templates { templates { id name } }';
const FREE = '{ me { id } }';

let tdb: TestDatabase;
let clerk: FakeClerk;
let strict: TestApp;
let lenient: TestApp;
const dir = mkdtempSync(join(tmpdir(), 'torale-trusted-'));

beforeAll(async () => {
  // The dashboard's manifest as @graphql-codegen/client-preset writes it, another client's as Apollo's.
  writeFileSync(join(dir, 'dashboard.json'), JSON.stringify({ [sha256(ME)]: ME, [sha256(TASKS)]: TASKS }));
  writeFileSync(
    join(dir, 'cli.json'),
    JSON.stringify({
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: 'cli-templates-v1', name: 'Templates', type: 'query', body: TEMPLATES }],
    }),
  );
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  const env = (mode: string) =>
    clerkEnv(clerk, { TRUSTED_DOCUMENTS: mode, TRUSTED_DOCUMENTS_DIR: dir, API_KEY_CREATE_LIMIT_PER_MINUTE: '100' });
  [strict, lenient] = await Promise.all([startApp(tdb, { env: env('require') }), startApp(tdb, { env: env('log') })]);
});
afterAll(async () => {
  await strict?.close();
  await lenient?.close();
  await clerk?.close();
  await tdb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function post(t: TestApp, body: object, headers: Record<string, string> = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, body: res.json() };
}

const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

async function untrusted(t: TestApp, outcome: string): Promise<number> {
  const m = await t.container.metrics.registry.getSingleMetric('torale_graphql_untrusted_documents_total')?.get();
  return m?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('TRUSTED_DOCUMENTS=require', () => {
  it('runs manifest documents by id (either format) or by their text, and refuses anything else clearly', async () => {
    const u = await signIn(strict.app, clerk);
    const me = await post(strict, { operationName: 'Me', ...byHash(sha256(ME)) }, u.headers);
    expect(me.status, JSON.stringify(me.body)).toBe(200);
    expect(me.body.data.me.id).toBeTypeOf('string');
    expect((await post(strict, { documentId: `sha256:${sha256(TASKS)}` }, u.headers)).body.data.tasks).toEqual([]);
    const cli = await post(strict, byHash('cli-templates-v1'));
    expect(cli.status).toBe(200);
    expect(Array.isArray(cli.body.data.templates)).toBe(true);
    expect((await post(strict, { query: ME }, u.headers)).status).toBe(200);

    const before = await untrusted(strict, 'refused');
    for (const body of [{ query: FREE }, byHash(sha256(FREE)), { query: FREE, ...byHash(sha256(FREE)) }]) {
      const r = await post(strict, body, u.headers);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.errors[0].message).toMatch(/^Only trusted documents are accepted/);
      expect(r.body.errors[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'PERSISTED_QUERY_NOT_TRUSTED',
      });
    }
    expect(await untrusted(strict, 'refused')).toBe(before + 3);
  });

  it('an API key with the free-form scope still explores; a key without it does not', async () => {
    const owner = await signIn(strict.app, clerk);
    const { key } = await createKey(strict.app, owner.headers); // every scope, keys:write included
    expect((await gqlRaw(strict.app, FREE, {}, bearer(key))).status).toBe(200);
    const other = await signIn(strict.app, clerk);
    const made = await strict.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: other.headers,
      payload: { name: 'reader', scopes: ['tasks:read'] },
    });
    const reader = made.json().key as string;
    const refused = await gqlRaw(strict.app, '{ tasks { id } }', {}, bearer(reader));
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.reason).toBe('PERSISTED_QUERY_NOT_TRUSTED');
    // …but runs the manifest's documents.
    expect((await post(strict, byHash(sha256(TASKS)), bearer(reader))).status).toBe(200);
  });

  it('subscriptions follow the same rule (here over multipart HTTP, as over WebSocket and SSE)', async () => {
    const u = await signIn(strict.app, clerk);
    const res = await strict.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...u.headers, 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec=1.0' },
      payload: JSON.stringify({ query: 'subscription { taskUpdated { id } }' }),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors[0].message).toMatch(/^Only trusted documents are accepted/);
  });

  it('a manifest added to the directory is trusted without a restart', async () => {
    const u = await signIn(strict.app, clerk);
    const added = 'query Feed { feed(limit: 5) { id } }';
    expect((await post(strict, byHash(sha256(added)), u.headers)).status).toBe(400);
    writeFileSync(join(dir, 'mobile.json'), JSON.stringify({ [sha256(added)]: added }));
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await post(strict, byHash(sha256(added)), u.headers)).status;
    }
    expect(status).toBe(200);
  });
});

describe('TRUSTED_DOCUMENTS=log', () => {
  it('runs an unknown document, counts it and logs it; manifest documents are not counted', async () => {
    const u = await signIn(lenient.app, clerk);
    const before = await untrusted(lenient, 'logged');
    expect((await post(lenient, byHash(sha256(ME)), u.headers)).status).toBe(200);
    expect(await untrusted(lenient, 'logged')).toBe(before);
    const free = await post(lenient, { query: FREE, operationName: null }, u.headers);
    expect(free.status).toBe(200);
    expect(await untrusted(lenient, 'logged')).toBe(before + 1);
    expect(lenient.logs.some((l) => l.includes('untrusted GraphQL document') && l.includes(sha256(FREE)))).toBe(true);
  });
});
