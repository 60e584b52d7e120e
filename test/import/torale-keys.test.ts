// Keys carried over from Torale (`sk_` + 43 URL-safe characters, bcrypt hash stored as Torale
// stored it, key_prefix = first 15 characters + "...") authenticate exactly like native keys:
// one indexed lookup, bcrypt once then cached, every scope, revoke, rotate (to a native key),
// expiry at the end of a rotation's grace, leak reports. Junk of either shape is refused before
// the database is asked.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyFormat, displayPrefixOf, generateApiKey, isWellFormedApiKey } from '../../src/auth/api-key-format.js';
import { SCOPES } from '../../src/auth/viewer.js';
import { bearer, type TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

// Made by Python's `secrets.token_urlsafe(32)` and `bcrypt.hashpw(key, bcrypt.gensalt())`
// (bcrypt 5.0, cost 12), as Torale's key endpoint makes them.
const PYTHON_MADE = [
  {
    key: 'sk_Q4iZVz1OTo6lXv3t8_q00GHVd-osJr12V3H_nBZmOAo',
    hash: '$2b$12$On88jU2VwytemyXLrvIFYuLqAu3VFR1G4PcLqAzA7FF1foUaE3qJi',
    prefix: 'sk_Q4iZVz1OTo6l...',
  },
  {
    key: 'sk_j39-ugkBkly613OE-76X-aA92alhREj0421hRWSNeto',
    hash: '$2b$12$el2BlnVDpCnZKUyGuhjczeJoILd3OlnYQit6cRRq0Rbf5TXUO5vM2',
    prefix: 'sk_j39-ugkBkly6...',
  },
];

/** A key made the way Torale makes one. */
const toraleKey = () => `sk_${randomBytes(32).toString('base64url')}`;

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ env: { AUTH_FAILURE_LIMIT_PER_MINUTE: '100000' } }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

/** A signed-in user holding a key stored as Torale stores it (what the importer writes). */
async function userWithToraleKey(made?: { key: string; hash: string }) {
  const u = await signIn(t.app, clerk);
  const key = made?.key ?? toraleKey();
  const hash = made?.hash ?? (await bcrypt.hash(key, 4));
  const { id } = await t.database.db
    .insertInto('api_keys')
    .values({
      user_id: u.userId,
      key_prefix: displayPrefixOf(key),
      key_hash: hash,
      name: 'Torale key',
      scopes: sql<string[]>`${[...SCOPES]}::text[]`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ...u, key, keyId: id };
}

describe('the format check', () => {
  it('accepts keys made the way Torale makes them, and native keys as before', () => {
    for (const { key, prefix } of PYTHON_MADE) {
      expect(apiKeyFormat(key)).toBe('torale');
      expect(displayPrefixOf(key)).toBe(prefix);
    }
    for (let i = 0; i < 5000; i++) {
      const key = toraleKey();
      expect(key).toHaveLength(46);
      expect(apiKeyFormat(key), key).toBe('torale');
      expect(apiKeyFormat(generateApiKey())).toBe('native');
    }
  });

  it('refuses junk of either shape', () => {
    const { key } = PYTHON_MADE[0] as { key: string };
    const junk = [
      key.slice(0, 45), // truncated
      `${key}A`, // one too many
      `${key.slice(0, 45)}B`, // a last character 32 random bytes cannot end in
      `${key.slice(0, 45)}-`,
      `${key.slice(0, 20)}+${key.slice(21)}`, // standard base64, not URL-safe
      `${key.slice(0, 20)}/${key.slice(21)}`,
      `${key.slice(0, 44)}=A`,
      `${key.slice(0, 20)}\u0000${key.slice(21)}`,
      `${key.slice(0, 20)}é${key.slice(21)}`,
      `${key.slice(0, 20)}\u{1F511}${key.slice(22)}`, // same UTF-16 length, not ASCII
      `SK_${key.slice(3)}`,
      `sk-${key.slice(3)}`,
      ` ${key.slice(0, 45)}`,
      'sk_',
      '',
      `sk_${'A'.repeat(10_000)}`,
    ];
    for (const j of junk) expect(apiKeyFormat(j), JSON.stringify(j)).toBeNull();
    const native = generateApiKey();
    expect(apiKeyFormat(`${native.slice(0, 34)}${native[34] === 'a' ? 'b' : 'a'}`)).toBeNull();
  });

  it('junk costs no database query', async () => {
    const { key } = PYTHON_MADE[0] as { key: string };
    const queriesBefore = t.database.stats.queries;
    const rejectsBefore = t.container.apiKeyVerifier.stats.formatRejects;
    for (const j of [key.slice(0, 45), `${key.slice(0, 45)}B`, `${key.slice(0, 20)}+${key.slice(21)}`]) {
      const res = await rest(t.app, 'GET', '/auth/me', bearer(j));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Invalid API key' });
    }
    expect(t.container.apiKeyVerifier.stats.formatRejects - rejectsBefore).toBe(3);
    expect(t.database.stats.queries - queriesBefore).toBe(0);
  });
});

describe('a Torale key in the gateway', () => {
  it('a key hashed by Python bcrypt answers /auth/me and GraphQL me; bcrypt runs once for 40 requests', async () => {
    const made = PYTHON_MADE[0] as { key: string; hash: string };
    const u = await userWithToraleKey(made);
    const before = t.container.apiKeyVerifier.stats.bcryptCompares;
    for (let i = 0; i < 20; i++) {
      const me = await rest(t.app, 'GET', '/auth/me', bearer(made.key));
      expect(me.status).toBe(200);
      expect(me.body.clerk_user_id).toBe(u.clerkUserId);
      const gql = await t.app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { ...bearer(made.key), 'content-type': 'application/json' },
        payload: { query: '{ me { id clerkUserId } }' },
      });
      expect(gql.json().data).toEqual({ me: { id: u.userId, clerkUserId: u.clerkUserId } });
    }
    expect(t.container.apiKeyVerifier.stats.bcryptCompares - before).toBe(1);
  });

  it('has every scope: creates, lists and deletes tasks, lists keys', async () => {
    const u = await userWithToraleKey();
    const created = await rest(t.app, 'POST', '/api/v1/tasks', bearer(u.key), {
      search_query: 'When is the next launch?',
      state: 'paused',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const list = await rest(t.app, 'GET', '/api/v1/tasks', bearer(u.key));
    expect(list.body.map((x: { id: string }) => x.id)).toEqual([created.body.id]);
    const keys = await rest(t.app, 'GET', '/auth/api-keys', bearer(u.key));
    expect(keys.body).toMatchObject([{ id: u.keyId, key_prefix: displayPrefixOf(u.key), is_active: true }]);
    expect(keys.body[0].scopes.sort()).toEqual([...SCOPES].sort());
    expect((await rest(t.app, 'DELETE', `/api/v1/tasks/${created.body.id}`, bearer(u.key))).status).toBe(204);
  });

  it('the right prefix with a wrong secret is refused, and stays refused', async () => {
    const u = await userWithToraleKey();
    const wrong = `${u.key.slice(0, 30)}${u.key[30] === 'a' ? 'b' : 'a'}${u.key.slice(31)}`;
    expect(isWellFormedApiKey(wrong)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const res = await rest(t.app, 'GET', '/auth/me', bearer(wrong));
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail: 'Invalid API key' });
    }
    expect((await rest(t.app, 'GET', '/auth/me', bearer(u.key))).status).toBe(200);
  });

  it('revoking it (as its own key) refuses it on the very next request', async () => {
    const u = await userWithToraleKey();
    expect((await rest(t.app, 'GET', '/auth/me', bearer(u.key))).status).toBe(200);
    const revoked = await rest(t.app, 'DELETE', `/auth/api-keys/${u.keyId}`, bearer(u.key));
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ status: 'revoked' });
    const after = await rest(t.app, 'GET', '/auth/me', bearer(u.key));
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ detail: 'Invalid API key' });
  });

  it('rotating it issues a native key; the Torale key expires at the end of the grace', async () => {
    const u = await userWithToraleKey();
    const rotated = await rest(t.app, 'POST', `/auth/api-keys/${u.keyId}/rotate`, u.headers, {
      grace_period_seconds: 0,
    });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(apiKeyFormat(rotated.body.key)).toBe('native');
    expect(rotated.body.key_info.name).toBe('Torale key');
    expect(rotated.body.key_info.scopes.sort()).toEqual([...SCOPES].sort());
    const old = await rest(t.app, 'GET', '/auth/me', bearer(u.key));
    expect(old.status).toBe(401);
    expect(old.body).toEqual({ detail: 'API key has expired' });
    expect((await rest(t.app, 'GET', '/auth/me', bearer(rotated.body.key))).status).toBe(200);
  });

  it('with a grace window the Torale key keeps working until it ends', async () => {
    const u = await userWithToraleKey();
    const rotated = await rest(t.app, 'POST', `/auth/api-keys/${u.keyId}/rotate`, u.headers, {
      grace_period_seconds: 3600,
    });
    expect(rotated.status).toBe(200);
    const old = await rest(t.app, 'GET', '/auth/me', bearer(u.key));
    expect(old.status).toBe(200);
    expect(old.headers['torale-key-expiration']).toBeDefined();
    // The grace ends: the key is refused as expired, not as unknown.
    await t.database.db
      .updateTable('api_keys')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('id', '=', u.keyId)
      .execute();
    const after = await rest(t.app, 'GET', '/auth/me', bearer(u.key));
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ detail: 'API key has expired' });
  });
});
