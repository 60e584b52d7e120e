// Issue 28, users: an admin sets roles (in Clerk, through @clerk/backend's updateUserMetadata)
// and deactivates / reactivates accounts (the disabled-user path). Two instances on one
// database, each with its own caches and LISTEN connection: what A does is seen on B within
// 1 s; the audit log says who did what to whom, the user's security log what happened.
import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, type SignedInUser, signIn, signInAdmin } from '../helpers/identity.js';

const WHSEC = `whsec_${randomBytes(32).toString('base64')}`;
let tdb: TestDatabase;
let clerk: FakeClerk;
let a: TestApp;
let b: TestApp;
let admin: SignedInUser;

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  const env = clerkEnv(clerk, { CLERK_WEBHOOK_SIGNING_SECRET: WHSEC, RATE_LIMIT_GRAPHQL_POINTS: '0' });
  a = await startApp(tdb, { env, ownPool: true });
  b = await startApp(tdb, { env, ownPool: true });
  admin = await signInAdmin(a.app, clerk);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await clerk?.close();
  await tdb?.drop();
});

const req = async (t: TestApp, method: 'GET' | 'PATCH' | 'POST', url: string, headers: object, payload?: object) => {
  const res = await t.app.inject({ method, url, headers: headers as Record<string, string>, payload });
  return { status: res.statusCode, body: res.json() };
};

/** Milliseconds until `check` holds on the instance (polled every 25 ms, given up after 3 s). */
async function msUntil(check: () => Promise<boolean>): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < 3000) {
    if (await check()) return performance.now() - start;
    await sleep(25);
  }
  return Number.POSITIVE_INFINITY;
}

const auditOf = async (userId: string) =>
  (await req(a, 'GET', '/admin/audit-log?limit=200', admin.headers)).body.entries.filter(
    (e: { target_user_id: string }) => e.target_user_id === userId,
  ) as { action: string; admin_user_id: string; details: Record<string, unknown> }[];

const securityLog = async (userId: string) =>
  (
    await tdb.database.db
      .selectFrom('security_events')
      .select(['type', 'detail'])
      .where('user_id', '=', userId)
      .orderBy('seq')
      .execute()
  ).filter((e) => e.type.startsWith('user.'));

function clerkHook(t: TestApp, payload: unknown) {
  const id = `msg_${randomBytes(8).toString('hex')}`;
  const body = JSON.stringify(payload);
  const ts = Math.floor(Date.now() / 1000).toString();
  const secret = Buffer.from(WHSEC.slice('whsec_'.length), 'base64');
  const sig = createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest('base64');
  const headers = {
    'content-type': 'application/json',
    'svix-id': id,
    'svix-timestamp': ts,
    'svix-signature': `v1,${sig}`,
  };
  return t.app.inject({ method: 'POST', url: '/webhooks/clerk', headers, payload: body });
}

describe('roles', () => {
  it('a role set through A reaches Clerk and counts on B within 1 s, both ways; audit and security log say so', async () => {
    const u = await signIn(a.app, clerk, { role: 'developer' });
    // B has the developer profile cached (Clerk's profile is fresh for a minute).
    expect((await req(b, 'GET', '/admin/users', u.headers)).status).toBe(403);
    const promote = await req(a, 'PATCH', `/admin/users/${u.userId}/role`, admin.headers, { role: 'admin' });
    expect(promote).toEqual({ status: 200, body: { status: 'updated', user_id: u.userId, role: 'admin' } });
    expect(clerk.users.get(u.clerkUserId)?.role).toBe('admin');
    expect(clerk.requests.metadataUpdates).toContain(u.clerkUserId);
    const up = await msUntil(async () => (await req(b, 'GET', '/admin/users', u.headers)).status === 200);
    expect(up).toBeLessThan(1000);

    const demote = await req(a, 'PATCH', `/admin/users/${u.userId}/role`, admin.headers, { role: null });
    expect(demote.body.role).toBeNull();
    expect(clerk.users.get(u.clerkUserId)?.role).toBeNull();
    const down = await msUntil(async () => (await req(b, 'GET', '/admin/users', u.headers)).status === 403);
    expect(down).toBeLessThan(1000);
    console.log(
      `[admin users.test] role seen on B after ${up.toFixed(0)} ms (promote), ${down.toFixed(0)} ms (demote)`,
    );

    const audit = await auditOf(u.userId);
    expect(audit.map((e) => [e.action, e.admin_user_id, e.details])).toEqual([
      ['user.role_changed', admin.userId, { role: null }],
      ['user.role_changed', admin.userId, { role: 'admin' }],
    ]);
    // What happened to the account, not who did it.
    expect(await securityLog(u.userId)).toEqual([
      { type: 'user.role_changed', detail: 'role set to admin' },
      { type: 'user.role_changed', detail: 'role removed' },
    ]);
  });

  it("refuses Torale's non-roles (422), oneself (400) and unknown users (404); nothing reaches Clerk", async () => {
    const u = await signIn(a.app, clerk);
    const before = clerk.requests.metadataUpdates.length;
    for (const role of ['superuser', 'Admin', 1, '']) {
      expect((await req(a, 'PATCH', `/admin/users/${u.userId}/role`, admin.headers, { role })).status).toBe(422);
    }
    expect((await req(a, 'PATCH', `/admin/users/${u.userId}/role`, admin.headers, {})).status).toBe(422);
    const self = await req(a, 'PATCH', `/admin/users/${admin.userId}/role`, admin.headers, { role: 'developer' });
    expect(self).toEqual({ status: 400, body: { detail: 'You cannot change your own role' } });
    const nobody = await req(a, 'PATCH', `/admin/users/${crypto.randomUUID()}/role`, admin.headers, { role: null });
    expect(nobody).toEqual({ status: 404, body: { detail: 'User not found' } });
    expect((await req(a, 'PATCH', '/admin/users/not-a-uuid/role', admin.headers, { role: null })).status).toBe(422);
    expect(clerk.requests.metadataUpdates.length).toBe(before);
  });

  it("bulk: each user apart in Torale's shape; oneself and unknown ids listed as failures", async () => {
    const [x, y] = [await signIn(a.app, clerk, { role: null }), await signIn(a.app, clerk, { role: null })];
    const unknown = crypto.randomUUID();
    const res = await req(a, 'PATCH', '/admin/users/roles', admin.headers, {
      user_ids: [x.userId, y.userId, admin.userId, unknown],
      role: 'developer',
    });
    expect(res.status).toBe(200);
    expect(res.body.updated).toBe(2);
    expect(res.body.failed).toBe(2);
    expect(res.body.errors).toEqual([
      { user_id: admin.userId, error: 'Cannot change own role' },
      { user_id: unknown, error: 'User not found' },
    ]);
    expect([clerk.users.get(x.clerkUserId)?.role, clerk.users.get(y.clerkUserId)?.role]).toEqual([
      'developer',
      'developer',
    ]);
    expect((await req(a, 'PATCH', '/admin/users/roles', admin.headers, { user_ids: [], role: null })).status).toBe(422);
    const many = Array.from({ length: 101 }, () => crypto.randomUUID());
    expect((await req(a, 'PATCH', '/admin/users/roles', admin.headers, { user_ids: many, role: null })).status).toBe(
      422,
    );
  });
});

describe('deactivation', () => {
  it('through A: key and session refused on B at once; a Clerk unban does not undo it; reactivate does', async () => {
    const u = await signIn(a.app, clerk);
    const { key } = await createKey(a.app, u.headers);
    expect((await req(b, 'GET', '/auth/me', bearer(key))).status).toBe(200);
    const off = await req(a, 'PATCH', `/admin/users/${u.userId}/deactivate`, admin.headers);
    expect(off).toEqual({
      status: 200,
      body: { status: 'deactivated', user_id: u.userId, tasks_paused: 0, tasks_failed: null },
    });
    const refused = await msUntil(async () => (await req(b, 'GET', '/auth/me', bearer(key))).status === 403);
    expect(refused).toBeLessThan(1000);
    console.log(`[admin users.test] deactivation refused on B after ${refused.toFixed(0)} ms`);
    expect((await req(b, 'GET', '/auth/me', u.headers)).body).toEqual({ detail: 'User account is disabled' });

    // Clerk says the user is not banned (an unban, or any profile update): still disabled.
    for (const banned of [true, false]) {
      const hook = await clerkHook(a, {
        type: 'user.updated',
        object: 'event',
        data: { id: u.clerkUserId, object: 'user', banned, email_addresses: [] },
      });
      expect(hook.statusCode, hook.body).toBe(200);
    }
    expect((await req(b, 'GET', '/auth/me', bearer(key))).status).toBe(403);

    const on = await req(a, 'PATCH', `/admin/users/${u.userId}/reactivate`, admin.headers);
    expect(on).toEqual({ status: 200, body: { status: 'reactivated', user_id: u.userId } });
    expect(await msUntil(async () => (await req(b, 'GET', '/auth/me', bearer(key))).status === 200)).toBeLessThan(1000);

    expect((await auditOf(u.userId)).map((e) => e.action)).toEqual(['user.reactivated', 'user.deactivated']);
    expect(await securityLog(u.userId)).toEqual([
      { type: 'user.disabled', detail: 'deactivated by an administrator' },
      { type: 'user.enabled', detail: 'reactivated by an administrator' },
    ]);
  });

  it('a user banned in Clerk, then deactivated by an admin, stays disabled when Clerk unbans them', async () => {
    const u = await signIn(a.app, clerk);
    const event = (banned: boolean) => ({
      type: 'user.updated',
      object: 'event',
      data: { id: u.clerkUserId, object: 'user', banned, email_addresses: [] },
    });
    expect((await clerkHook(a, event(true))).statusCode).toBe(200);
    expect((await req(b, 'GET', '/auth/me', u.headers)).status).toBe(403);
    expect((await req(a, 'PATCH', `/admin/users/${u.userId}/deactivate`, admin.headers)).status).toBe(200);
    expect((await clerkHook(a, event(false))).statusCode).toBe(200);
    expect((await req(b, 'GET', '/auth/me', u.headers)).body).toEqual({ detail: 'User account is disabled' });
    // Disabled once (by the ban): the admin's deactivation of a disabled account logs nothing new.
    expect(await securityLog(u.userId)).toEqual([{ type: 'user.disabled', detail: 'banned in Clerk' }]);
  });

  it('not oneself (400), not an unknown user (404); a user deleted in Clerk cannot be reactivated', async () => {
    const self = await req(a, 'PATCH', `/admin/users/${admin.userId}/deactivate`, admin.headers);
    expect(self).toEqual({ status: 400, body: { detail: 'You cannot deactivate your own account' } });
    const nobody = await req(a, 'PATCH', `/admin/users/${crypto.randomUUID()}/deactivate`, admin.headers);
    expect(nobody.status).toBe(404);
    const u = await signIn(a.app, clerk);
    const gone = await clerkHook(a, {
      type: 'user.deleted',
      object: 'event',
      data: { id: u.clerkUserId, deleted: true },
    });
    expect(gone.statusCode, gone.body).toBe(200);
    const back = await req(a, 'PATCH', `/admin/users/${u.userId}/reactivate`, admin.headers);
    expect(back).toEqual({ status: 400, body: { detail: 'User was deleted in Clerk and cannot be reactivated' } });
  });

  it('GraphQL: deactivateUser / reactivateUser / setUserRole as an admin', async () => {
    const u = await signIn(a.app, clerk);
    const gql = async (query: string, variables: object) =>
      (await req(b, 'POST', '/graphql', admin.headers, { query, variables })).body;
    const off = await gql('mutation($id: ID!) { deactivateUser(userId: $id) { userId tasksPaused } }', {
      id: u.userId,
    });
    expect(off.data).toEqual({ deactivateUser: { userId: u.userId, tasksPaused: 0 } });
    expect((await req(a, 'GET', '/auth/me', u.headers)).status).toBe(403);
    const on = await gql('mutation($id: ID!) { reactivateUser(userId: $id) }', { id: u.userId });
    expect(on.data).toEqual({ reactivateUser: u.userId });
    const role = await gql('mutation($id: ID!) { setUserRole(userId: $id, role: ADMIN) { userId role } }', {
      id: u.userId,
    });
    expect(role.data).toEqual({ setUserRole: { userId: u.userId, role: 'ADMIN' } });
    const self = await gql('mutation($id: ID!) { setUserRole(userId: $id, role: DEVELOPER) { userId } }', {
      id: admin.userId,
    });
    expect(self.errors[0]).toMatchObject({
      message: 'You cannot change your own role',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });
});
