// Leaked-key revocation (GitHub secret scanning, with a locally generated ECDSA P-256 key
// served as the key list) and Clerk user webhooks (Svix-signed with a test secret), on
// two gateway instances sharing one database.
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
const github = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const KID = 'test-kid-1';

let tdb: TestDatabase;
let clerk: FakeClerk;
let one: TestApp;
let two: TestApp;
let keyServer: Server;
let keyListFetches = 0;

beforeAll(async () => {
  keyServer = createServer((_req, res) => {
    keyListFetches++;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        public_keys: [
          { key_identifier: KID, key: github.publicKey.export({ type: 'spki', format: 'pem' }), is_current: true },
        ],
      }),
    );
  });
  await new Promise<void>((r) => keyServer.listen(0, '127.0.0.1', r));
  const port = (keyServer.address() as AddressInfo).port;
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  const env = clerkEnv(clerk, {
    API_KEY_CREATE_LIMIT_PER_MINUTE: '1000',
    SECRET_SCANNING_KEYS_URL: `http://127.0.0.1:${port}/meta/public_keys/secret_scanning`,
    CLERK_WEBHOOK_SIGNING_SECRET: WHSEC,
  });
  one = await startApp(tdb, { env, ownPool: true });
  two = await startApp(tdb, { env, ownPool: true });
});
afterAll(async () => {
  await one?.close();
  await two?.close();
  await clerk?.close();
  await tdb?.drop();
  await new Promise((r) => keyServer?.close(r));
});

function alert(app: TestApp['app'], body: string, opts: { kid?: string; signWith?: typeof github; sig?: string } = {}) {
  const signature =
    opts.sig ?? sign('sha256', Buffer.from(body), (opts.signWith ?? github).privateKey).toString('base64');
  return app.inject({
    method: 'POST',
    url: '/auth/secret-scanning/github',
    headers: {
      'content-type': 'application/json',
      'github-public-key-identifier': opts.kid ?? KID,
      'github-public-key-signature': signature,
    },
    payload: body,
  });
}

async function activeKeys(userId: string): Promise<number> {
  const r = await sql<{
    n: number;
  }>`select count(*)::int as n from api_keys where user_id = ${userId} and is_active`.execute(tdb.database.db);
  return r.rows[0]?.n ?? -1;
}

describe('GitHub secret scanning', () => {
  it('a signed batch revokes the leaked key within the request; the next request with it is 401', async () => {
    const u = await signIn(one.app, clerk);
    const { key } = await createKey(one.app, u.headers);
    expect((await rest(two.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    const body = JSON.stringify([
      { token: key, type: 'torale_api_key', url: 'https://github.com/o/r/blob/main/.env', source: 'content' },
      { token: 'sk_notoursatall', type: 'torale_api_key', url: 'https://github.com/o/r', source: 'content' },
    ]);
    const res = await alert(one.app, body);
    expect(res.statusCode, res.body).toBe(200);
    const feedback = res.json();
    expect(feedback).toHaveLength(2);
    expect(feedback[0]).toEqual({
      token_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      token_type: 'torale_api_key',
      label: 'true_positive',
    });
    expect(feedback[1].label).toBe('false_positive');
    expect(res.body).not.toContain(key);
    expect(await activeKeys(u.userId)).toBe(0);
    for (const app of [one.app, two.app]) {
      const r = await rest(app, 'GET', '/auth/me', bearer(key));
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ detail: 'Invalid API key' });
    }
    const log = await rest(one.app, 'GET', '/auth/security-log', u.headers);
    const leaked = log.body.events.filter((e: { type: string }) => e.type === 'api_key.leaked');
    expect(leaked).toHaveLength(1);
    expect(leaked[0].detail).toContain('https://github.com/o/r/blob/main/.env');
    expect(log.raw).not.toContain(key);
  });

  it('a leaked key carried over from Torale (sk_ + 43 URL-safe characters) is revoked the same way', async () => {
    const u = await signIn(one.app, clerk);
    const key = `sk_${randomBytes(32).toString('base64url')}`;
    await tdb.database.db
      .insertInto('api_keys')
      .values({
        user_id: u.userId,
        key_prefix: `${key.slice(0, 15)}...`,
        key_hash: await bcrypt.hash(key, 4),
        name: 'Torale',
      })
      .execute();
    expect((await rest(two.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    const res = await alert(
      one.app,
      JSON.stringify([{ token: key, type: 'torale_api_key', url: 'https://x', source: 'content' }]),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()[0].label).toBe('true_positive');
    expect(await activeKeys(u.userId)).toBe(0);
    expect((await rest(two.app, 'GET', '/auth/me', bearer(key))).status).toBe(401);
  });

  it('a tampered body, an unknown key id, a foreign signature or none: 401 and nothing changes', async () => {
    const u = await signIn(one.app, clerk);
    const { key } = await createKey(one.app, u.headers);
    const body = JSON.stringify([{ token: key, type: 'torale_api_key', url: 'https://x', source: 'content' }]);
    const good = sign('sha256', Buffer.from(body), github.privateKey).toString('base64');
    const tampered = body.replace('https://x', 'https://y');
    const fetchesBefore = keyListFetches;
    const attempts = [
      await alert(one.app, tampered, { sig: good }),
      await alert(one.app, body, { kid: 'unknown-kid' }),
      await alert(two.app, body, { kid: 'unknown-kid' }),
      await alert(one.app, body, { signWith: otherKey }),
      await alert(one.app, body, { sig: 'bm90IGEgc2lnbmF0dXJl' }),
      await one.app.inject({
        method: 'POST',
        url: '/auth/secret-scanning/github',
        headers: { 'content-type': 'application/json' },
        payload: body,
      }),
    ];
    for (const a of attempts) {
      expect(a.statusCode).toBe(401);
      expect(a.json()).toEqual({ detail: 'Invalid signature' });
    }
    // An unknown identifier fetches the list again at most once a minute per instance.
    expect(keyListFetches - fetchesBefore).toBeLessThanOrEqual(2);
    expect(await activeKeys(u.userId)).toBe(1);
    expect((await rest(one.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
  });
});

function svix(payload: unknown, id = `msg_${randomBytes(8).toString('hex')}`) {
  const body = JSON.stringify(payload);
  const ts = Math.floor(Date.now() / 1000).toString();
  const secret = Buffer.from(WHSEC.slice('whsec_'.length), 'base64');
  const sig = createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
  return {
    body,
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': ts, 'svix-signature': `v1,${sig}` },
  };
}

const hook = (app: TestApp['app'], s: ReturnType<typeof svix>) =>
  app.inject({ method: 'POST', url: '/webhooks/clerk', headers: s.headers, payload: s.body });

const userEvent = (type: string, id: string, extra: Record<string, unknown> = {}) => ({
  type,
  object: 'event',
  data: { id, object: 'user', first_name: 'Jane', username: 'jane', email_addresses: [], ...extra },
});

describe('Clerk user webhooks', () => {
  it('user.deleted: keys refused at once on both instances; a replay adds no second event', async () => {
    const u = await signIn(one.app, clerk);
    const { key } = await createKey(one.app, u.headers);
    expect((await rest(two.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    const s = svix({
      type: 'user.deleted',
      object: 'event',
      data: { id: u.clerkUserId, deleted: true, object: 'user' },
    });
    const res = await hook(one.app, s);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    for (const app of [one.app, two.app]) expect((await rest(app, 'GET', '/auth/me', bearer(key))).status).toBe(401);
    expect(await activeKeys(u.userId)).toBe(0);
    expect((await hook(two.app, s)).statusCode).toBe(200);
    const events = await sql<{
      type: string;
    }>`select type from security_events where user_id = ${u.userId} order by seq`.execute(tdb.database.db);
    const types = events.rows.map((r) => r.type);
    expect(types.filter((t) => t === 'user.disabled')).toHaveLength(1);
    expect(types.filter((t) => t === 'api_key.revoked')).toHaveLength(1);
  });

  it('banned: 403 on the next request (key and session); unbanned: works again; replays change nothing', async () => {
    const u = await signIn(one.app, clerk);
    const { key } = await createKey(one.app, u.headers);
    const ban = svix(userEvent('user.updated', u.clerkUserId, { banned: true }));
    expect((await hook(one.app, ban)).statusCode).toBe(200);
    for (const app of [one.app, two.app]) {
      const r = await rest(app, 'GET', '/auth/me', bearer(key));
      expect(r.status).toBe(403);
      expect(r.body).toEqual({ detail: 'User account is disabled' });
    }
    expect((await rest(two.app, 'GET', '/auth/me', u.headers)).status).toBe(403);
    const unban = svix(userEvent('user.updated', u.clerkUserId, { banned: false, username: 'jane2' }));
    expect((await hook(two.app, unban)).statusCode).toBe(200);
    const me = await rest(one.app, 'GET', '/auth/me', bearer(key));
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('jane2');
    // Replaying the ban (same svix-id) does not disable the user again.
    expect((await hook(one.app, ban)).statusCode).toBe(200);
    expect((await rest(one.app, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    const log = await rest(one.app, 'GET', '/auth/security-log', u.headers);
    const types = log.body.events.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t.startsWith('user.'))).toEqual(['user.enabled', 'user.disabled']);
  });

  it('user.created syncs the user; an invalid signature is 400 and changes nothing', async () => {
    const id = `user_hook_${Date.now()}`;
    const created = svix(
      userEvent('user.created', id, {
        email_addresses: [{ id: 'e1', email_address: 'h@example.com' }],
        primary_email_address_id: 'e1',
      }),
    );
    expect((await hook(one.app, created)).statusCode).toBe(200);
    const row = await sql<{ email: string }>`select email from users where clerk_user_id = ${id}`.execute(
      tdb.database.db,
    );
    expect(row.rows[0]?.email).toBe('h@example.com');

    const u = await signIn(one.app, clerk);
    const forged = svix({ type: 'user.deleted', object: 'event', data: { id: u.clerkUserId, deleted: true } });
    const bad = await one.app.inject({
      method: 'POST',
      url: '/webhooks/clerk',
      headers: { ...forged.headers, 'svix-signature': 'v1,AAAA' },
      payload: forged.body,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ detail: 'Invalid webhook signature' });
    const tampered = await one.app.inject({
      method: 'POST',
      url: '/webhooks/clerk',
      headers: forged.headers,
      payload: forged.body.replace('user.deleted', 'user.updated'),
    });
    expect(tampered.statusCode).toBe(400);
    expect((await rest(one.app, 'GET', '/auth/me', u.headers)).status).toBe(200);
  });
});
