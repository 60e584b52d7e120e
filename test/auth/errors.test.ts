// Every identity row of the contract's error table: status, `detail`, WWW-Authenticate
// over REST, and `extensions.code` over GraphQL.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/api-key-format.js';
import { ApiKeysDocument, CreateApiKeyDocument, MeDocument, RevokeApiKeyDocument } from '../gql/graphql.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { codeOf, gql } from '../helpers/gql.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let downClerk: FakeClerk;
let t: TestApp;
let noClerk: TestApp;
let deadClerk: TestApp;

beforeAll(async () => {
  [tdb, clerk, downClerk] = await Promise.all([createTestDatabase(), startFakeClerk(), startFakeClerk()]);
  downClerk.down = true;
  t = await startApp(tdb, { env: clerkEnv(clerk, { CLERK_AUTHORIZED_PARTIES: 'http://localhost:3000' }) });
  noClerk = await startApp(tdb);
  deadClerk = await startApp(tdb, { env: clerkEnv(downClerk) });
});
afterAll(async () => {
  for (const a of [t, noClerk, deadClerk]) await a?.close();
  await clerk?.close();
  await downClerk?.close();
  await tdb?.drop();
});

async function expectRest(
  app: TestApp,
  req: { method?: 'GET' | 'POST' | 'DELETE'; url?: string; headers?: Record<string, string>; payload?: object },
  status: number,
  detail: string,
) {
  const res = await app.app.inject({
    method: req.method ?? 'GET',
    url: req.url ?? '/auth/me',
    headers: req.headers,
    payload: req.payload,
  });
  expect(res.statusCode, res.body).toBe(status);
  expect(res.json()).toEqual({ detail });
  if (status === 401) expect(res.headers['www-authenticate']).toBe('Bearer');
  return res;
}

async function expectGql(app: TestApp, headers: Record<string, string>, code: string, message: string) {
  const res = await gql(app.app, MeDocument, {}, headers);
  expect(codeOf(res)).toBe(code);
  expect(res.errors?.[0]?.message).toBe(message);
}

describe('401 UNAUTHENTICATED', () => {
  it('no Authorization header', async () => {
    await expectRest(t, {}, 401, 'Authorization header missing');
    await expectGql(t, {}, 'UNAUTHENTICATED', 'Authorization header missing');
  });

  it.each([
    ['unknown well-formed key', () => generateApiKey()],
    ['bad checksum', () => `${generateApiKey().slice(0, 34)}0`],
    ['truncated key', () => generateApiKey().slice(0, 20)],
    ['just the prefix', () => 'sk_'],
    ['unicode', () => 'sk_ключключключключключключключклю'],
  ])('%s → Invalid API key', async (_name, make) => {
    const key = make();
    await expectRest(t, { headers: bearer(key) }, 401, 'Invalid API key');
    await expectGql(t, bearer(key), 'UNAUTHENTICATED', 'Invalid API key');
  });

  it('right prefix, wrong secret → Invalid API key', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, u.headers);
    // Same 15-character prefix, different secret, valid checksum.
    const body = `${key.slice(3, 15)}${'x'.repeat(14)}`;
    const { checksumOf } = await import('../../src/auth/api-key-format.js');
    const forged = `sk_${body}${checksumOf(body)}`;
    expect(forged.slice(0, 15)).toBe(key.slice(0, 15));
    await expectRest(t, { headers: bearer(forged) }, 401, 'Invalid API key');
    await expectRest(t, { headers: bearer(forged) }, 401, 'Invalid API key'); // and again, from the rejected cache
    const ok = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) });
    expect(ok.statusCode).toBe(200);
  });

  it('expired Clerk token → Token has expired', async () => {
    const u = await signIn(t.app, clerk);
    const token = await clerk.token(u.clerkUserId, { expiresInSeconds: -60 });
    await expectRest(t, { headers: bearer(token) }, 401, 'Token has expired');
    await expectGql(t, bearer(token), 'UNAUTHENTICATED', 'Token has expired');
  });

  it.each([
    ['garbage', async () => 'not-a-jwt'],
    ['bad signature', async () => clerk.foreignToken('user_x')],
    ['foreign azp', async () => clerk.token('user_x', { azp: 'https://evil.example' })],
    ['missing azp with authorized parties set', async () => clerk.token('user_x', { azp: null })],
    ['not yet valid', async () => clerk.token('user_x', { notBeforeSeconds: 120 })],
    [
      'alg none',
      async () => {
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        const now = Math.floor(Date.now() / 1000);
        return `${enc({ alg: 'none', typ: 'JWT', kid: clerk.kid })}.${enc({ sub: 'user_x', exp: now + 60, iat: now })}.`;
      },
    ],
    ['unknown kid', async () => clerk.token('user_x', { kid: 'ins_unknown' })],
    ['non-Bearer scheme', async () => null],
  ])('%s → Invalid authentication token', async (name, make) => {
    const token = await make();
    const headers = token === null ? { authorization: 'Basic dXNlcjpwYXNz' } : bearer(token);
    await expectRest(t, { headers }, 401, 'Invalid authentication token');
    await expectGql(t, headers, 'UNAUTHENTICATED', 'Invalid authentication token');
    expect(name).toBeTruthy();
  });
});

describe('503 SERVICE_UNAVAILABLE', () => {
  it('Clerk not configured', async () => {
    const token = await clerk.token('user_x');
    await expectRest(noClerk, { headers: bearer(token) }, 503, 'Clerk authentication not configured');
    await expectGql(noClerk, bearer(token), 'SERVICE_UNAVAILABLE', 'Clerk authentication not configured');
  });

  it('Clerk unreachable while its signing keys are unknown', async () => {
    const token = await downClerk.token('user_y');
    await expectRest(deadClerk, { headers: bearer(token) }, 503, 'Clerk is unavailable');
  });
});

describe('403 FORBIDDEN', () => {
  it('creating a key without the developer role', async () => {
    const u = await signIn(t.app, clerk, { role: null });
    await expectRest(
      t,
      { method: 'POST', url: '/auth/api-keys', headers: u.headers, payload: { name: 'k' } },
      403,
      'Developer access required. Please contact support to enable API access.',
    );
    const res = await gql(t.app, CreateApiKeyDocument, { name: 'k' }, u.headers);
    expect(codeOf(res)).toBe('FORBIDDEN');
  });

  it('a disabled user is refused everywhere, by token and by key', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, u.headers);
    await tdb.database.db.updateTable('users').set({ is_active: false }).where('id', '=', u.userId).execute();
    for (const headers of [u.headers, bearer(key)]) {
      await expectRest(t, { headers }, 403, 'User account is disabled');
      await expectRest(t, { method: 'POST', url: '/auth/sync-user', headers }, 403, 'User account is disabled');
      await expectGql(t, headers, 'FORBIDDEN', 'User account is disabled');
    }
  });
});

describe('404 / 400 / 422 / 429', () => {
  it('user not synced yet', async () => {
    const u = await signIn(t.app, clerk, { sync: false });
    await expectRest(t, { headers: u.headers }, 404, 'User not found. Please sync user first.');
    await expectRest(
      t,
      { method: 'POST', url: '/auth/api-keys', headers: u.headers, payload: { name: 'k' } },
      404,
      'User not found. Please sync user first.',
    );
    await expectGql(t, u.headers, 'NOT_FOUND', 'User not found. Please sync user first.');
    const keys = await gql(t.app, ApiKeysDocument, {}, u.headers);
    expect(codeOf(keys)).toBe('NOT_FOUND');
  });

  it('revoking a key that is not found or not yours', async () => {
    const a = await signIn(t.app, clerk);
    const b = await signIn(t.app, clerk);
    const { key_info } = await createKey(t.app, a.headers);
    for (const id of [randomUUID(), key_info.id, 'not-a-uuid']) {
      await expectRest(
        t,
        { method: 'DELETE', url: `/auth/api-keys/${id}`, headers: b.headers },
        404,
        'API key not found',
      );
      const res = await gql(t.app, RevokeApiKeyDocument, { id }, b.headers);
      expect(codeOf(res)).toBe('NOT_FOUND');
      expect(res.errors?.[0]?.message).toBe('API key not found');
    }
    // Still active for its owner.
    const list = await t.app.inject({ method: 'GET', url: '/auth/api-keys', headers: a.headers });
    expect(list.json()[0].is_active).toBe(true);
  });

  it('request validation is FastAPI-shaped', async () => {
    const u = await signIn(t.app, clerk);
    const long = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: u.headers,
      payload: { name: 'x'.repeat(101) },
    });
    expect(long.statusCode).toBe(422);
    expect(long.json()).toEqual({
      detail: [{ type: 'string_too_long', loc: ['body', 'name'], msg: 'String should have at most 100 characters' }],
    });
    const missing = await t.app.inject({ method: 'POST', url: '/auth/api-keys', headers: u.headers });
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toEqual({ detail: [{ type: 'missing', loc: ['body'], msg: 'Field required' }] });
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: u.headers,
      payload: { name: 5 },
    });
    expect(wrongType.json().detail[0]).toMatchObject({ type: 'string_type', loc: ['body', 'name'] });
    const blank = await gql(t.app, CreateApiKeyDocument, { name: '   ' }, u.headers);
    expect(codeOf(blank)).toBe('BAD_USER_INPUT');
  });

  it('key creation is limited to 3 a minute per user, with Retry-After', async () => {
    const u = await signIn(t.app, clerk);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/auth/api-keys',
        headers: u.headers,
        payload: { name: `k${i}` },
      });
      statuses.push(created.statusCode);
      if (created.statusCode === 200) {
        await t.app.inject({
          method: 'DELETE',
          url: `/auth/api-keys/${created.json().key_info.id}`,
          headers: u.headers,
        });
      }
      if (created.statusCode === 429) {
        expect(created.json()).toEqual({ detail: 'Too many requests' });
        expect(Number(created.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const gqlRes = await gql(t.app, CreateApiKeyDocument, { name: 'k' }, u.headers);
    expect(codeOf(gqlRes)).toBe('TOO_MANY_REQUESTS');
  });
});
