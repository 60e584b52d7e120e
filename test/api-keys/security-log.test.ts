// The security log: each event once, newest first, with address, user agent, key id and
// prefix and never a secret; cursors that stay stable while new events arrive; the
// 90-day retention; and /webhooks/clerk without a signing secret.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp } from '../helpers/app.js';
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

const UA = 'torale-test-script/1.0';

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, key: string, ip = '127.0.0.1', payload?: unknown) {
  const res = await t.app.inject({
    method,
    url,
    remoteAddress: ip,
    headers: {
      authorization: `Bearer ${key}`,
      'user-agent': UA,
      ...(payload ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload ? { payload: JSON.stringify(payload) } : {}),
  });
  return res;
}

describe('security log', () => {
  it('records each event once, in order, without secrets; cursors stay stable as events arrive', async () => {
    const u = await signIn(t.app, clerk);
    const created = await call('POST', '/auth/api-keys', u.token, '127.0.0.1', { name: 'script' });
    expect(created.statusCode).toBe(200);
    const a = created.json().key as string;
    const aId = created.json().key_info.id as string;
    const prefix = created.json().key_info.key_prefix as string;

    for (let i = 0; i < 3; i++) expect((await call('GET', '/api/v1/tasks', a, '10.0.0.1')).statusCode).toBe(200);
    expect((await call('GET', '/api/v1/tasks', a, '10.0.0.2')).statusCode).toBe(200);
    const wrong = samePrefixOtherSecret(a);
    for (let i = 0; i < 3; i++) expect((await call('GET', '/auth/me', wrong, '10.0.0.3')).statusCode).toBe(401);
    const rotated = await call('POST', `/auth/api-keys/${aId}/rotate`, u.token, '127.0.0.1', {
      grace_period_seconds: 0,
    });
    expect(rotated.statusCode).toBe(200);
    const b = rotated.json().key as string;
    const bId = rotated.json().key_info.id as string;
    for (let i = 0; i < 2; i++) expect((await call('GET', '/auth/me', a, '10.0.0.1')).statusCode).toBe(401);
    expect((await call('DELETE', `/auth/api-keys/${bId}`, u.token)).statusCode).toBe(200);

    const all = await rest(t.app, 'GET', '/auth/security-log?limit=100', u.headers);
    expect(all.status).toBe(200);
    expect(all.body.next_cursor).toBeNull();
    const seen = all.body.events.map((e: { type: string; ip: string }) => `${e.type}@${e.ip}`);
    expect(seen).toEqual([
      'api_key.revoked@127.0.0.1',
      'api_key.expired@10.0.0.1',
      'api_key.rotated@127.0.0.1',
      'api_key.auth_failed@10.0.0.3',
      'api_key.new_address@10.0.0.2',
      'api_key.new_address@10.0.0.1',
      'api_key.created@127.0.0.1',
    ]);
    const first = all.body.events.at(-1);
    expect(first).toEqual({
      id: expect.any(String),
      type: 'api_key.created',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      ip: '127.0.0.1',
      user_agent: UA,
      api_key_id: aId,
      key_prefix: prefix,
      detail: null,
    });
    for (const e of all.body.events.slice(1, 6)) expect(e.api_key_id).toBe(aId);
    for (const secret of [a, b, wrong, a.slice(15), b.slice(15), wrong.slice(15)])
      expect(all.raw).not.toContain(secret);

    // Paging 3 at a time while new events arrive: no event twice, none missed.
    const p1 = await rest(t.app, 'GET', '/auth/security-log?limit=3', u.headers);
    expect(p1.body.events.map((e: { id: string }) => e.id)).toEqual(
      all.body.events.slice(0, 3).map((e: { id: string }) => e.id),
    );
    const newer = await call('POST', '/auth/api-keys', u.token, '127.0.0.1', { name: 'again' });
    expect(newer.statusCode).toBe(200);
    const p2 = await rest(t.app, 'GET', `/auth/security-log?limit=3&cursor=${p1.body.next_cursor}`, u.headers);
    const p3 = await rest(t.app, 'GET', `/auth/security-log?limit=3&cursor=${p2.body.next_cursor}`, u.headers);
    expect([...p2.body.events, ...p3.body.events].map((e: { id: string }) => e.id)).toEqual(
      all.body.events.slice(3).map((e: { id: string }) => e.id),
    );
    expect(p3.body.next_cursor).toBeNull();
    const bad = await rest(t.app, 'GET', '/auth/security-log?cursor=nonsense', u.headers);
    expect(bad.status).toBe(400);

    // GraphQL: the same log as a Relay connection.
    const q =
      'query($after: String) { securityEvents(first: 4, after: $after) { edges { cursor node { type keyPrefix apiKeyId userAgent ip } } pageInfo { hasNextPage endCursor } } }';
    const g1 = await gqlRaw(t.app, q, {}, u.headers);
    expect(g1.body.errors).toBeUndefined();
    const c1 = g1.body.data.securityEvents;
    expect(c1.edges.map((e: { node: { type: string } }) => e.node.type)).toEqual([
      'api_key.created',
      'api_key.revoked',
      'api_key.expired',
      'api_key.rotated',
    ]);
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const g2 = await gqlRaw(t.app, q, { after: c1.pageInfo.endCursor }, u.headers);
    expect(g2.body.data.securityEvents.edges.map((e: { node: { type: string } }) => e.node.type)).toEqual([
      'api_key.auth_failed',
      'api_key.new_address',
      'api_key.new_address',
      'api_key.created',
    ]);
    expect(g2.body.data.securityEvents.pageInfo.hasNextPage).toBe(false);

    // Another user sees none of it.
    const other = await signIn(t.app, clerk);
    expect((await rest(t.app, 'GET', '/auth/security-log', other.headers)).body).toEqual({
      events: [],
      next_cursor: null,
    });
  });

  it('forgets events after 90 days (the hourly cleanup job)', async () => {
    const u = await signIn(t.app, clerk);
    await sql`insert into security_events (user_id, type, created_at) values
      (${u.userId}, 'user.disabled', now() - interval '91 days'), (${u.userId}, 'user.enabled', now() - interval '89 days')`.execute(
      tdb.database.db,
    );
    expect(await t.container.services.securityEvents.cleanup()).toBeGreaterThanOrEqual(1);
    const left = await rest(t.app, 'GET', '/auth/security-log', u.headers);
    expect(left.body.events.map((e: { type: string }) => e.type)).toEqual(['user.enabled']);
  });

  it('without CLERK_WEBHOOK_SIGNING_SECRET, /webhooks/clerk answers 503', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/clerk',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ detail: 'Clerk webhooks not configured' });
  });
});
