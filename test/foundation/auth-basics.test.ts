// The first slice of users over REST and GraphQL, in no-auth dev mode and without
// credentials, asserting the exact bodies of CONTRACT.md.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarkWelcomeSeenDocument, MeDocument, SyncUserDocument } from '../gql/graphql.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { codeOf, gql } from '../helpers/gql.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let tdb: TestDatabase;
let dev: TestApp;
let locked: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  dev = await startApp(tdb, { env: { TORALE_NOAUTH: '1', TORALE_NOAUTH_EMAIL: 'dev@example.com' } });
  locked = await startApp(tdb, {
    beforeReady: (app) => {
      app.get('/boom', { config: { auth: false } }, async () => {
        throw new Error('relation "secret_table" does not exist at /srv/app/src/x.ts:12');
      });
    },
  });
});
afterAll(async () => {
  await dev?.close();
  await locked?.close();
  await tdb?.drop();
});

describe('no-auth dev mode', () => {
  it('GET /auth/me answers the dev user in the contract shape', async () => {
    const res = await dev.app.inject({ method: 'GET', url: '/auth/me' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(
      ['clerk_user_id', 'created_at', 'email', 'first_name', 'has_seen_welcome', 'id', 'is_active', 'username'].sort(),
    );
    expect(body).toMatchObject({
      email: 'dev@example.com',
      is_active: true,
      has_seen_welcome: false,
      username: null,
    });
    expect(body.id).toMatch(UUID);
    expect(body.created_at).toMatch(ISO);
  });

  it('POST /auth/sync-user returns {user, created} and is idempotent', async () => {
    const first = await dev.app.inject({ method: 'POST', url: '/auth/sync-user' });
    expect(first.statusCode).toBe(200);
    expect(Object.keys(first.json()).sort()).toEqual(['created', 'user']);
    expect(first.json().created).toBe(false); // the dev user exists from startup
    const again = await dev.app.inject({
      method: 'POST',
      url: '/auth/sync-user',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().user.id).toBe(first.json().user.id);
  });

  it('POST /auth/mark-welcome-seen answers {"status":"success"} and me reflects it', async () => {
    const res = await dev.app.inject({ method: 'POST', url: '/auth/mark-welcome-seen' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":"success"}');
    const me = await dev.app.inject({ method: 'GET', url: '/auth/me' });
    expect(me.json().has_seen_welcome).toBe(true);
  });

  it('GraphQL me, syncUser and markWelcomeSeen answer the same user', async () => {
    const me = await gql(dev.app, MeDocument);
    expect(me.errors).toBeUndefined();
    expect(me.data?.me.email).toBe('dev@example.com');
    expect(me.data?.me.createdAt).toMatch(ISO);
    const sync = await gql(dev.app, SyncUserDocument);
    expect(sync.data?.syncUser.user.id).toBe(me.data?.me.id);
    expect(sync.data?.syncUser.created).toBe(false);
    const seen = await gql(dev.app, MarkWelcomeSeenDocument);
    expect(seen.data?.markWelcomeSeen).toBe(true);
  });
});

describe('no-auth mode still checks credentials that are sent', () => {
  it('a wrong key is refused; a key the dev user created works', async () => {
    const bad = await dev.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer sk_nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toEqual({ detail: 'Invalid API key' });
    const created = await dev.app.inject({ method: 'POST', url: '/auth/api-keys', payload: { name: 'local script' } });
    expect(created.statusCode).toBe(200); // the dev user has the developer role
    const me = await dev.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: `Bearer ${created.json().key}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().email).toBe('dev@example.com');
  });
});

describe('without credentials and without no-auth mode', () => {
  for (const [method, url] of [
    ['GET', '/auth/me'],
    ['POST', '/auth/sync-user'],
    ['POST', '/auth/mark-welcome-seen'],
  ] as const) {
    it(`${method} ${url} → 401 Authorization header missing`, async () => {
      const res = await locked.app.inject({ method, url });
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('{"detail":"Authorization header missing"}');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    });
  }

  it('GraphQL operations answer UNAUTHENTICATED', async () => {
    for (const doc of [MeDocument, SyncUserDocument, MarkWelcomeSeenDocument] as TypedDocumentNode<unknown, object>[]) {
      const res = await gql(locked.app, doc, {});
      expect(res.data).toBeNull();
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0]?.message).toBe('Authorization header missing');
    }
  });
});

describe('errors and health', () => {
  it('unexpected errors are 500 with no internals in the body, and are logged', async () => {
    const res = await locked.app.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.body).toBe('{"detail":"Internal server error"}');
    expect(locked.logs.join('')).toContain('secret_table');
  });

  it('unknown routes are 404 JSON', async () => {
    const res = await locked.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Not Found' });
  });

  it('malformed JSON is FastAPI’s 422 json_invalid with a JSON body, as Torale answers', async () => {
    const res = await dev.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({ detail: [{ type: 'json_invalid', loc: ['body', 8], msg: 'JSON decode error' }] });
  });

  it('/healthz and /readyz answer without credentials, even with a bad one', async () => {
    expect((await locked.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await locked.app.inject({ method: 'GET', url: '/readyz', headers: { authorization: 'Bearer junk' } });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('every response carries a request id', async () => {
    const res = await locked.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('the Authorization header never reaches the logs', async () => {
    await locked.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: 'Bearer sk_leakcheckleakcheck' },
    });
    await dev.app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer eyJleak.check.token' } });
    const all = [...locked.logs, ...dev.logs].join('');
    expect(all).not.toContain('sk_leakcheck');
    expect(all).not.toContain('eyJleak');
  });
});

describe('playground', () => {
  it('GET /graphql from a browser is GraphiQL served by the gateway, no CDN', async () => {
    const res = await dev.app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('renderYogaGraphiQL');
    expect(res.body).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(res.body).not.toMatch(/<link[^>]+href=["']https?:/);
    expect(res.body).not.toContain('unpkg.com');
    expect(res.headers['content-security-policy']).toContain("connect-src 'self'");
  });
});
