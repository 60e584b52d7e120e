// The authentication document's flows end to end, over REST and over GraphQL, with the
// real @clerk/backend talking to a fake Clerk on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeysDocument,
  CreateApiKeyDocument,
  MeDocument,
  RevokeApiKeyDocument,
  SyncUserDocument,
} from '../gql/graphql.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';

const KEY_RE = /^sk_[A-Za-z0-9]{32}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('REST: the documented flow', () => {
  it('sync → me → create key → use key → list → second key refused → revoke → 401 → new key', async () => {
    clerk.addUser({ id: 'user_2abc_rest', email: 'jane@example.com', firstName: 'Jane', role: 'developer' });
    const token = await clerk.token('user_2abc_rest');

    const sync = await t.app.inject({ method: 'POST', url: '/auth/sync-user', headers: bearer(token) });
    expect(sync.statusCode).toBe(200);
    expect(sync.json()).toEqual({
      user: {
        id: expect.any(String),
        clerk_user_id: 'user_2abc_rest',
        email: 'jane@example.com',
        first_name: 'Jane',
        username: null,
        is_active: true,
        has_seen_welcome: false,
        created_at: expect.stringMatching(ISO),
      },
      created: true,
    });
    const again = await t.app.inject({ method: 'POST', url: '/auth/sync-user', headers: bearer(token) });
    expect(again.json().created).toBe(false);

    const me = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token) });
    expect(me.json()).toEqual(sync.json().user);

    const created = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: bearer(token),
      payload: { name: 'My API Key' },
    });
    expect(created.statusCode).toBe(200);
    const { key, key_info } = created.json();
    expect(key).toMatch(KEY_RE);
    expect(key_info).toEqual({
      id: expect.any(String),
      user_id: sync.json().user.id,
      key_prefix: `${key.slice(0, 15)}...`,
      name: 'My API Key',
      created_at: expect.stringMatching(ISO),
      last_used_at: null,
      is_active: true,
      // Key lifecycle additions (CONTRACT.md): no expiry, every scope, not revoked or replaced.
      expires_at: null,
      scopes: ['tasks:read', 'tasks:write', 'keys:read', 'keys:write', 'account:write'],
      revoked_at: null,
      replaced_by_key_id: null,
    });

    const viaKey = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) });
    expect(viaKey.statusCode).toBe(200);
    expect(viaKey.json()).toEqual(me.json());

    const list = await t.app.inject({ method: 'GET', url: '/auth/api-keys', headers: bearer(token) });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toHaveLength(1);
    expect(list.json()[0].last_used_at).toMatch(ISO);
    expect(list.body).not.toContain(key);

    const second = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: bearer(token),
      payload: { name: 'Second' },
    });
    expect(second.statusCode).toBe(400);
    expect(second.json()).toEqual({
      detail: 'You already have an active API key. Please revoke it before creating a new one.',
    });

    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/auth/api-keys/${key_info.id}`,
      headers: bearer(token),
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json()).toEqual({ status: 'revoked' });

    const afterRevoke = await t.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(key) });
    expect(afterRevoke.statusCode).toBe(401);
    expect(afterRevoke.json()).toEqual({ detail: 'Invalid API key' });
    expect(afterRevoke.headers['www-authenticate']).toBe('Bearer');

    const next = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: bearer(token),
      payload: { name: 'Production Script' },
    });
    expect(next.statusCode).toBe(200);
    const keys = await t.app.inject({ method: 'GET', url: '/auth/api-keys', headers: bearer(token) });
    expect(keys.json().map((k: { name: string; is_active: boolean }) => [k.name, k.is_active])).toEqual([
      ['Production Script', true],
      ['My API Key', false],
    ]);
  });
});

describe('GraphQL: the same flow', () => {
  it('syncUser → me → createApiKey → me with the key → apiKeys → refused → revokeApiKey → UNAUTHENTICATED', async () => {
    clerk.addUser({ id: 'user_2abc_gql', email: 'gql@example.com', firstName: 'Gil', role: 'admin' });
    const h = bearer(await clerk.token('user_2abc_gql'));

    const sync = await gql(t.app, SyncUserDocument, {}, h);
    expect(sync.errors).toBeUndefined();
    expect(sync.data?.syncUser.created).toBe(true);
    expect(sync.data?.syncUser.user).toMatchObject({ clerkUserId: 'user_2abc_gql', email: 'gql@example.com' });

    const created = await gql(t.app, CreateApiKeyDocument, { name: 'Script' }, h);
    expect(created.errors).toBeUndefined();
    const key = created.data!.createApiKey.key;
    expect(key).toMatch(KEY_RE);
    expect(created.data?.createApiKey.keyInfo).toMatchObject({
      keyPrefix: `${key.slice(0, 15)}...`,
      name: 'Script',
      isActive: true,
      lastUsedAt: null,
    });

    const me = await gql(t.app, MeDocument, {}, bearer(key));
    expect(me.data?.me.email).toBe('gql@example.com');

    const keys = await gql(t.app, ApiKeysDocument, {}, h);
    expect(keys.data?.apiKeys).toHaveLength(1);
    expect(keys.data?.apiKeys[0]?.lastUsedAt).toMatch(ISO);
    expect(JSON.stringify(keys.data)).not.toContain(key);

    const second = await gql(t.app, CreateApiKeyDocument, { name: 'Again' }, h);
    expect(codeOf(second)).toBe('BAD_USER_INPUT');
    expect(second.errors?.[0]?.message).toBe(
      'You already have an active API key. Please revoke it before creating a new one.',
    );

    const revoked = await gql(t.app, RevokeApiKeyDocument, { id: created.data!.createApiKey.keyInfo.id }, h);
    expect(revoked.data?.revokeApiKey).toEqual({ id: created.data!.createApiKey.keyInfo.id, isActive: false });

    const refused = await gql(t.app, MeDocument, {}, bearer(key));
    expect(refused.status).toBe(401);
    expect(codeOf(refused)).toBe('UNAUTHENTICATED');
    expect(refused.errors?.[0]?.message).toBe('Invalid API key');

    const again = await gql(t.app, CreateApiKeyDocument, { name: 'New one' }, h);
    expect(again.errors).toBeUndefined();
  });
});
