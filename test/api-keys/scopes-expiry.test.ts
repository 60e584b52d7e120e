// Scopes, expiry and the reasons of a refused key, over REST and GraphQL, with the exact
// strings of CONTRACT.md "Key lifecycle".
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { gqlRaw, samePrefixOtherSecret } from './helpers.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { API_KEY_CREATE_LIMIT_PER_MINUTE: '1000' } }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const ME = '{ me { id } }';
const CREATE_TASK = 'mutation { createTask(input: { searchQuery: "q" }) { id } }';

async function newKey(body: Record<string, unknown> = {}) {
  const u = await signIn(t.app, clerk);
  const res = await rest(t.app, 'POST', '/auth/api-keys', u.headers, { name: 'k', ...body });
  expect(res.status, res.raw).toBe(200);
  return { user: u, key: res.body.key as string, info: res.body.key_info };
}

describe('scopes', () => {
  it('a read-only key reads tasks and is refused writes with the exact 403, REST and GraphQL', async () => {
    const { key, info } = await newKey({ scopes: ['tasks:read'] });
    expect(info.scopes).toEqual(['tasks:read']);
    expect((await rest(t.app, 'GET', '/api/v1/tasks', bearer(key))).status).toBe(200);
    expect((await rest(t.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);

    const write = await rest(t.app, 'POST', '/api/v1/tasks', bearer(key), { search_query: 'q' });
    expect(write.status).toBe(403);
    expect(write.body).toEqual({ detail: 'API key lacks the required scope: tasks:write' });

    const g = await gqlRaw(t.app, CREATE_TASK, {}, bearer(key));
    expect(g.body.errors[0].message).toBe('API key lacks the required scope: tasks:write');
    expect(g.body.errors[0].extensions).toEqual({ code: 'FORBIDDEN', requiredScope: 'tasks:write' });

    const mk = await rest(t.app, 'POST', '/auth/api-keys', bearer(key), { name: 'x' });
    expect(mk.status).toBe(403);
    expect(mk.body).toEqual({ detail: 'API key lacks the required scope: keys:write' });
    const gk = await gqlRaw(t.app, `mutation { revokeApiKey(id: "${info.id}") { id } }`, {}, bearer(key));
    expect(gk.body.errors[0].extensions).toEqual({ code: 'FORBIDDEN', requiredScope: 'keys:write' });
    // Listing keys needs keys:read or keys:write (issue 23, finding 12).
    expect((await rest(t.app, 'GET', '/auth/api-keys', bearer(key))).status).toBe(403);
  });

  it('task webhook actions need tasks:write, their delivery log tasks:read', async () => {
    const u = await signIn(t.app, clerk);
    const made = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
      search_query: 'q',
      state: 'paused',
      notifications: [{ type: 'webhook', url: 'https://example.com/hook' }],
    });
    expect(made.status, made.raw).toBe(200);
    const id = made.body.id as string;
    const k = await rest(t.app, 'POST', '/auth/api-keys', u.headers, { name: 'r', scopes: ['tasks:read'] });
    const r = { key: k.body.key as string };
    for (const path of [
      'webhook/rotate-secret',
      'webhook/test',
      'webhook/deliveries/00000000-0000-4000-8000-000000000000/replay',
    ]) {
      const res = await rest(t.app, 'POST', `/api/v1/tasks/${id}/${path}`, bearer(r.key));
      expect(res.status, path).toBe(403);
      expect(res.body).toEqual({ detail: 'API key lacks the required scope: tasks:write' });
    }
    const g = await gqlRaw(t.app, `mutation { rotateWebhookSecret(taskId: "${id}") }`, {}, bearer(r.key));
    expect(g.body.errors[0].extensions).toEqual({ code: 'FORBIDDEN', requiredScope: 'tasks:write' });
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}/webhook/deliveries`, bearer(r.key))).status).toBe(200);
  });

  it('a write-only key cannot read, and the default key has every scope; sessions have all', async () => {
    const w = await newKey({ scopes: ['tasks:write'] });
    const read = await rest(t.app, 'GET', '/api/v1/tasks', bearer(w.key));
    expect(read.body).toEqual({ detail: 'API key lacks the required scope: tasks:read' });
    expect((await rest(t.app, 'POST', '/api/v1/tasks', bearer(w.key), { search_query: 'q' })).status).toBe(200);

    const d = await newKey();
    expect(d.info.scopes).toEqual(['tasks:read', 'tasks:write', 'keys:read', 'keys:write', 'account:write']);
    expect((await rest(t.app, 'POST', '/api/v1/tasks', d.user.headers, { search_query: 'q' })).status).toBe(200);
  });

  it('refuses unknown scopes and out-of-range expiry with 422', async () => {
    const u = await signIn(t.app, clerk);
    for (const body of [{ scopes: ['admin'] }, { scopes: [] }, { expires_in_days: 0 }, { expires_in_days: 367 }]) {
      const res = await rest(t.app, 'POST', '/auth/api-keys', u.headers, { name: 'k', ...body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });
});

describe('expiry and reasons', () => {
  it('a key with an expiry carries Torale-Key-Expiration, then is refused as expired', async () => {
    const { key, info } = await newKey({ expires_in_days: 30 });
    const days = (Date.parse(info.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);
    const ok = await rest(t.app, 'GET', '/auth/me', bearer(key));
    expect(ok.status).toBe(200);
    expect(ok.headers['torale-key-expiration']).toBe(info.expires_at);

    await sql`update api_keys set expires_at = now() - interval '1 second' where id = ${info.id}`.execute(
      tdb.database.db,
    );
    const res = await rest(t.app, 'GET', '/auth/me', bearer(key));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ detail: 'API key has expired' });
    expect(res.headers['www-authenticate']).toBe('Bearer');
    const g = await gqlRaw(t.app, ME, {}, bearer(key));
    expect(g.body.errors[0].message).toBe('API key has expired');
    expect(g.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'API_KEY_EXPIRED' });
  });

  it('a key without expiry has no header', async () => {
    const { key } = await newKey();
    const ok = await rest(t.app, 'GET', '/auth/me', bearer(key));
    expect(ok.headers['torale-key-expiration']).toBeUndefined();
  });

  it('revoked says REVOKED only with the right secret; a wrong secret or unknown key says INVALID', async () => {
    const { user, key, info } = await newKey({ expires_in_days: 5 });
    const wrong = samePrefixOtherSecret(key);
    expect(wrong.slice(0, 15)).toBe(key.slice(0, 15));
    for (const k of [wrong, 'sk_doesnotexist']) {
      const r = await rest(t.app, 'GET', '/auth/me', bearer(k));
      expect(r.body).toEqual({ detail: 'Invalid API key' });
      const g = await gqlRaw(t.app, ME, {}, bearer(k));
      expect(g.body.errors[0].extensions).toEqual({ code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID' });
    }
    expect((await rest(t.app, 'DELETE', `/auth/api-keys/${info.id}`, user.headers)).status).toBe(200);
    const r = await rest(t.app, 'GET', '/auth/me', bearer(key));
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ detail: 'Invalid API key' });
    const g = await gqlRaw(t.app, ME, {}, bearer(key));
    expect(g.body.errors[0]).toEqual({
      message: 'Invalid API key',
      extensions: { code: 'UNAUTHENTICATED', reason: 'API_KEY_REVOKED' },
    });
    const g2 = await gqlRaw(t.app, ME, {}, bearer(wrong));
    expect(g2.body.errors[0].extensions.reason).toBe('API_KEY_INVALID');
    const list = await rest(t.app, 'GET', '/auth/api-keys', user.headers);
    expect(list.body[0]).toMatchObject({ id: info.id, is_active: false, revoked_at: expect.any(String) });
  });

  it('an expired key no longer blocks creating a new one, and stays expired (not revoked)', async () => {
    const { user, key, info } = await newKey({ expires_in_days: 1 });
    const again = await rest(t.app, 'POST', '/auth/api-keys', user.headers, { name: 'n' });
    expect(again.body).toEqual({
      detail: 'You already have an active API key. Please revoke it before creating a new one.',
    });
    await sql`update api_keys set expires_at = now() - interval '1 second' where id = ${info.id}`.execute(
      tdb.database.db,
    );
    expect((await rest(t.app, 'POST', '/auth/api-keys', user.headers, { name: 'n' })).status).toBe(200);
    const g = await gqlRaw(t.app, ME, {}, bearer(key));
    expect(g.body.errors[0].extensions.reason).toBe('API_KEY_EXPIRED');
    const list = await rest(t.app, 'GET', '/auth/api-keys', user.headers);
    expect(list.body.find((k: { id: string }) => k.id === info.id)).toMatchObject({
      is_active: false,
      revoked_at: null,
    });
  });

  it('GraphQL createApiKey takes expiresInDays and scopes and returns the new fields', async () => {
    const u = await signIn(t.app, clerk);
    const g = await gqlRaw(
      t.app,
      'mutation { createApiKey(name: "g", expiresInDays: 7, scopes: ["tasks:read"]) { key keyInfo { expiresAt scopes revokedAt replacedByKeyId isActive } } }',
      {},
      u.headers,
    );
    expect(g.body.errors).toBeUndefined();
    expect(g.body.data.createApiKey.keyInfo).toMatchObject({
      scopes: ['tasks:read'],
      revokedAt: null,
      replacedByKeyId: null,
      isActive: true,
    });
    const bad = await gqlRaw(t.app, 'mutation { createApiKey(name: "g", expiresInDays: 400) { key } }', {}, u.headers);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });
});
