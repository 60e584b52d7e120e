// Issue 23, findings on the key lifecycle: 1 (a key cannot make a wider key, a replaced key
// manages no keys), 9 (at most one rotation predecessor alive), 10 (an unverified caller's
// text is not stored; new-address events capped per key per day), 12 (account:write and
// keys:read), 14 (User-Agent cut to 500 on key create/rotate).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NEW_ADDRESS_EVENTS_PER_KEY_PER_DAY, UNVERIFIED_CALLER } from '../../src/auth/api-key-verifier.js';
import { gqlRaw, samePrefixOtherSecret } from '../api-keys/helpers.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({
    env: { API_KEY_CREATE_LIMIT_PER_MINUTE: '1000', AUTH_FAILURE_LIMIT_PER_MINUTE: '100000' },
  }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

async function newKey(headers: Record<string, string>, body: Record<string, unknown> = {}) {
  const res = await rest(t.app, 'POST', '/auth/api-keys', headers, { name: 'k', ...body });
  expect(res.status, res.raw).toBe(200);
  return { key: res.body.key as string, info: res.body.key_info };
}

const liveKeys = async (userId: string) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from api_keys
      where user_id = ${userId} and is_active and (expires_at is null or expires_at > now())`.execute(tdb.database.db)
  ).rows[0]?.n;

describe('finding 1: no scope escalation through rotation and grace', () => {
  it('the attack: a keys:write key rotates itself, the old key revokes the new one and makes a full key — refused', async () => {
    const u = await signIn(t.app, clerk);
    const narrow = await newKey(u.headers, { scopes: ['keys:write'] });
    const rotated = await rest(t.app, 'POST', `/auth/api-keys/${narrow.info.id}/rotate`, bearer(narrow.key), {
      grace_period_seconds: 3600,
    });
    expect(rotated.status, rotated.raw).toBe(200);
    expect(rotated.body.key_info.scopes).toEqual(['keys:write']);
    // The old key still serves requests in its grace window…
    expect((await rest(t.app, 'GET', '/auth/me', bearer(narrow.key))).status).toBe(200);
    // …but manages no keys: it cannot revoke its successor, rotate or create.
    const revoke = await rest(t.app, 'DELETE', `/auth/api-keys/${rotated.body.key_info.id}`, bearer(narrow.key));
    expect(revoke.status).toBe(403);
    expect(revoke.body).toEqual({ detail: 'API key was replaced by a rotation and can no longer manage keys' });
    const g = await gqlRaw(
      t.app,
      `mutation { revokeApiKey(id: "${rotated.body.key_info.id}") { id } }`,
      {},
      bearer(narrow.key),
    );
    expect(g.body.errors[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY_REPLACED' });
    const create = await rest(t.app, 'POST', '/auth/api-keys', bearer(narrow.key), { name: 'full' });
    expect(create.status).toBe(403);
    // The successor is still the one active key, with the scopes it had.
    const keys = await rest(t.app, 'GET', '/auth/api-keys', u.headers);
    const active = keys.body.filter(
      (k: { is_active: boolean; replaced_by_key_id: string | null }) => k.is_active && !k.replaced_by_key_id,
    );
    expect(active.map((k: { id: string; scopes: string[] }) => [k.id, k.scopes])).toEqual([
      [rotated.body.key_info.id, ['keys:write']],
    ]);
  });

  it('a key asks for keys within its own scopes only (checked before anything else)', async () => {
    const u = await signIn(t.app, clerk);
    const narrow = await newKey(u.headers, { scopes: ['keys:write', 'tasks:read'] });
    const wider = await rest(t.app, 'POST', '/auth/api-keys', bearer(narrow.key), {
      name: 'wider',
      scopes: ['tasks:read', 'tasks:write'],
    });
    expect(wider.status).toBe(403);
    expect(wider.body).toEqual({ detail: 'API key lacks the required scope: tasks:write' });
    // Asking for no scopes means the creator's own, not every scope: only "one active key" refuses it.
    const same = await rest(t.app, 'POST', '/auth/api-keys', bearer(narrow.key), { name: 'same' });
    expect(same.status).toBe(400);
    expect(same.body.detail).toBe('You already have an active API key. Please revoke it before creating a new one.');
    // A session has every scope and makes what it asks for.
    await rest(t.app, 'DELETE', `/auth/api-keys/${narrow.info.id}`, u.headers);
    expect((await newKey(u.headers, { scopes: ['tasks:write'] })).info.scopes).toEqual(['tasks:write']);
  });
});

describe('finding 9: rotating again ends the previous grace', () => {
  it('two rotations leave two working keys (the newest and its predecessor), never three', async () => {
    const u = await signIn(t.app, clerk);
    const a = await newKey(u.headers);
    const b = await rest(t.app, 'POST', `/auth/api-keys/${a.info.id}/rotate`, u.headers, {
      grace_period_seconds: 3600,
    });
    const c = await rest(t.app, 'POST', `/auth/api-keys/${b.body.key_info.id}/rotate`, u.headers, {
      grace_period_seconds: 3600,
    });
    expect(c.status, c.raw).toBe(200);
    expect(await liveKeys(u.userId)).toBe(2);
    const old = await rest(t.app, 'GET', '/auth/me', bearer(a.key));
    expect(old.status).toBe(401);
    expect(old.body).toEqual({ detail: 'API key has expired' });
    expect((await rest(t.app, 'GET', '/auth/me', bearer(b.body.key))).status).toBe(200);
    expect((await rest(t.app, 'GET', '/auth/me', bearer(c.body.key))).status).toBe(200);
    const log = await rest(t.app, 'GET', '/auth/security-log', u.headers);
    expect(log.body.events).toContainEqual(
      expect.objectContaining({
        type: 'api_key.expired',
        api_key_id: a.info.id,
        detail: 'grace ended by a later rotation',
      }),
    );
  });
});

describe('finding 10: what strangers can write into the owner’s security log', () => {
  it('a wrong secret for a real prefix stores the address only, marked unverified — not the caller’s User-Agent', async () => {
    const u = await signIn(t.app, clerk);
    const { key, info } = await newKey(u.headers);
    const phishing = 'Your account is locked: call +1-555-0100 and read us your key. '.repeat(8).slice(0, 500);
    const res = await t.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { ...bearer(samePrefixOtherSecret(key)), 'user-agent': phishing },
    });
    expect(res.statusCode).toBe(401);
    const log = await rest(t.app, 'GET', '/auth/security-log', u.headers);
    const failed = log.body.events.filter((e: { type: string }) => e.type === 'api_key.auth_failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      api_key_id: info.id,
      ip: '127.0.0.1',
      user_agent: null,
      detail: UNVERIFIED_CALLER,
    });
    expect(log.raw).not.toContain('call +1-555');
  });

  it('new-address events: at most 20 per key per day, however many addresses', async () => {
    const u = await signIn(t.app, clerk);
    const { key, info } = await newKey(u.headers);
    const n = 35;
    for (let i = 0; i < n; i++) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(key),
        remoteAddress: `198.51.100.${i + 1}`,
      });
      expect(res.statusCode).toBe(200);
    }
    const rows = await sql<{ n: number }>`select count(*)::int as n from security_events
      where api_key_id = ${info.id} and type = 'api_key.new_address'`.execute(tdb.database.db);
    expect(rows.rows[0]?.n).toBe(20);
    expect(NEW_ADDRESS_EVENTS_PER_KEY_PER_DAY).toBe(20);
  });
});

describe('finding 12: account:write and keys:read', () => {
  it('a tasks:read key cannot change the account nor read the key list or the security log', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = await newKey(u.headers, { scopes: ['tasks:read'] });
    const h = bearer(key);
    const refusals: [string, string, string, string][] = [
      ['POST', '/auth/mark-welcome-seen', 'account:write', ''],
      ['POST', '/auth/sync-user', 'account:write', ''],
      ['DELETE', '/api/v1/email-verification/verified-emails/x%40example.com', 'account:write', ''],
      ['GET', '/auth/api-keys', 'keys:read', ''],
      ['GET', '/auth/security-log', 'keys:read', ''],
    ];
    for (const [method, url, scope] of refusals) {
      const r = await rest(t.app, method as 'GET', url, h);
      expect(r.status, `${method} ${url}`).toBe(403);
      expect(r.body).toEqual({ detail: `API key lacks the required scope: ${scope}` });
    }
    for (const [op, scope] of [
      ['mutation { markWelcomeSeen }', 'account:write'],
      ['mutation { syncUser { created } }', 'account:write'],
      ['{ apiKeys { id } }', 'keys:read'],
      ['{ securityEvents { edges { cursor } } }', 'keys:read'],
    ] as const) {
      const g = await gqlRaw(t.app, op, {}, h);
      expect(g.body.errors?.[0]?.extensions, op).toEqual({ code: 'FORBIDDEN', requiredScope: scope });
    }
    expect((await rest(t.app, 'GET', '/auth/me', h)).status).toBe(200);
  });

  it('keys:read reads keys and the log; keys:write still does; account:write writes the account; default has all', async () => {
    const u = await signIn(t.app, clerk);
    const reader = await newKey(u.headers, { scopes: ['keys:read'] });
    expect((await rest(t.app, 'GET', '/auth/api-keys', bearer(reader.key))).status).toBe(200);
    expect((await rest(t.app, 'GET', '/auth/security-log', bearer(reader.key))).status).toBe(200);
    expect((await rest(t.app, 'DELETE', `/auth/api-keys/${reader.info.id}`, bearer(reader.key))).status).toBe(403);
    await rest(t.app, 'DELETE', `/auth/api-keys/${reader.info.id}`, u.headers);
    const writer = await newKey(u.headers, { scopes: ['keys:write'] });
    expect((await rest(t.app, 'GET', '/auth/api-keys', bearer(writer.key))).status).toBe(200);
    await rest(t.app, 'DELETE', `/auth/api-keys/${writer.info.id}`, u.headers);
    const account = await newKey(u.headers, { scopes: ['account:write'] });
    expect((await rest(t.app, 'POST', '/auth/mark-welcome-seen', bearer(account.key))).status).toBe(200);
    await rest(t.app, 'DELETE', `/auth/api-keys/${account.info.id}`, u.headers);
    const all = await newKey(u.headers);
    expect([...all.info.scopes].sort()).toEqual([
      'account:write',
      'keys:read',
      'keys:write',
      'tasks:read',
      'tasks:write',
    ]);
  });
});

describe('finding 14: User-Agent on key create and rotate', () => {
  it('is cut to 500 characters in the security log', async () => {
    const u = await signIn(t.app, clerk);
    const ua = `agent/${'x'.repeat(15_000)}`;
    const made = await t.app.inject({
      method: 'POST',
      url: '/auth/api-keys',
      headers: { ...u.headers, 'content-type': 'application/json', 'user-agent': ua },
      payload: { name: 'k' },
    });
    expect(made.statusCode).toBe(200);
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/auth/api-keys/${made.json().key_info.id}/rotate`,
      headers: { ...u.headers, 'content-type': 'application/json', 'user-agent': ua },
      payload: {},
    });
    expect(rotated.statusCode).toBe(200);
    const rows = await sql<{ type: string; n: number }>`select type, length(user_agent)::int as n from security_events
      where user_id = ${u.userId} and type in ('api_key.created', 'api_key.rotated')`.execute(tdb.database.db);
    expect(rows.rows.map((r) => r.n)).toEqual([500, 500]);
  });
});
