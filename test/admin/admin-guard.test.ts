// Issue 28: /admin/* and the GraphQL `admin` field are for a Clerk session of an admin only —
// 401 without credentials, 403 "Admin access required" for a non-admin session, any API key
// (whatever its scopes) and the dev user — walked over the route table. And what an admin
// sees: the user list in Torale's shape (counts, Clerk roles in one call per page), the audit log.
import { randomUUID } from 'node:crypto';
import { type GraphQLObjectType, getNamedType, isLeafType, isNonNullType, type OperationTypeNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessOf } from '../../src/graphql/access.js';
import { gatewaySchema } from '../../src/plugins/resolvers.js';
import { findUserByClerkId } from '../../src/users/users.repository.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, createKey, type SignedInUser, signIn, signInAdmin } from '../helpers/identity.js';
import { ADMIN_ROUTES } from './admin-routes.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let admin: SignedInUser;
let developer: SignedInUser;
let keyHeaders: Record<string, string>;

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, { env: clerkEnv(clerk, { RATE_LIMIT_GRAPHQL_POINTS: '0' }) });
  admin = await signInAdmin(t.app, clerk);
  developer = await signIn(t.app, clerk, { role: 'developer' });
  // The admin's own API key (all scopes): still not admin.
  keyHeaders = { authorization: `Bearer ${(await createKey(t.app, admin.headers)).key}` };
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
});

const call = (route: (typeof ADMIN_ROUTES)[number], headers: Record<string, string>) =>
  t.app.inject({
    method: route.method,
    url: route.path.replace(/\{\w+\}/g, randomUUID()),
    headers,
    ...(route.body && { payload: route.body }),
  });

const gql = async (query: string, headers: Record<string, string>, variables?: Record<string, unknown>) => {
  const res = await t.app.inject({ method: 'POST', url: '/graphql', headers, payload: { query, variables } });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever shape the query asked for.
  return res.json() as { data?: Record<string, any>; errors?: { message: string; extensions: { code: string } }[] };
};

describe('the admin guard', () => {
  it('the table lists every registered /admin route', () => {
    const registered = t.routes
      .filter((r) => r.url.startsWith('/admin') && r.method !== 'HEAD' && r.method !== 'OPTIONS')
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    expect(registered).toEqual(ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('every admin route: 401 anonymous; 403 "Admin access required" for a developer session and an admin\'s API key', async () => {
    for (const route of ADMIN_ROUTES) {
      const name = `${route.method} ${route.path}`;
      const anonymous = await call(route, {});
      expect(anonymous.statusCode, name).toBe(401);
      expect(anonymous.json(), name).toEqual({ detail: 'Authorization header missing' });
      for (const headers of [developer.headers, keyHeaders]) {
        const res = await call(route, headers);
        expect(res.statusCode, name).toBe(403);
        expect(res.json(), name).toEqual({ detail: 'Admin access required' });
      }
    }
  });

  it('a non-admin is refused before its input is read (403, not 422)', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/admin/users?limit=nope', headers: developer.headers });
    expect(res.statusCode).toBe(403);
  });

  it('GraphQL `admin`: UNAUTHENTICATED anonymous; FORBIDDEN for a developer session and an API key', async () => {
    const query = '{ admin { users { users { id } } auditLog { edges { cursor } } } }';
    const anonymous = await gql(query, {});
    expect(anonymous.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    for (const headers of [developer.headers, keyHeaders]) {
      const r = await gql(query, headers);
      expect(r.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      expect(r.errors?.[0]?.message).toBe('Admin access required');
      expect(r.data?.admin ?? null).toBeNull();
    }
  });
});

describe('every admin GraphQL field', () => {
  it('FORBIDDEN "Admin access required" for a developer session and an admin\'s key; UNAUTHENTICATED anonymous', async () => {
    const schema = await gatewaySchema();
    const fields = (['query', 'mutation'] as const).flatMap((kind) =>
      Object.values((schema.getRootType(kind as OperationTypeNode) as GraphQLObjectType).getFields())
        .filter((f) => accessOf(f)?.admin)
        .map((f) => ({ kind, f })),
    );
    expect(fields.map(({ f }) => f.name).sort()).toEqual(
      [
        'admin',
        'deactivateUser',
        'reactivateUser',
        'setUserRole',
        'setUserRoles',
        'updateWaitlistEntry',
        'deleteWaitlistEntry',
        'adminExecuteTask',
        'adminSetTaskState',
        'adminResetTask',
      ].sort(),
    );
    const sampleOf = (type: string) =>
      type === 'ID!'
        ? randomUUID()
        : type === '[ID!]!'
          ? [randomUUID()]
          : type === 'UserRole'
            ? 'DEVELOPER'
            : type === 'TaskState!'
              ? 'PAUSED'
              : null;
    for (const { kind, f } of fields) {
      const args = f.args.filter((a) => isNonNullType(a.type) || String(a.type) === 'UserRole');
      const defs = args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
      const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const sel = isLeafType(getNamedType(f.type)) ? '' : ' { __typename }';
      const query = `${kind}${defs ? `(${defs})` : ''} { ${f.name}${call ? `(${call})` : ''}${sel} }`;
      const variables = Object.fromEntries(args.map((a) => [a.name, sampleOf(String(a.type))]));
      for (const [who, headers, code] of [
        ['anonymous', {}, 'UNAUTHENTICATED'],
        ['developer', developer.headers, 'FORBIDDEN'],
        ['api key', keyHeaders, 'FORBIDDEN'],
      ] as const) {
        const r = await gql(query, headers, variables);
        expect(r.errors?.[0]?.extensions.code, `${f.name} as ${who}`).toBe(code);
        if (code === 'FORBIDDEN') expect(r.errors?.[0]?.message, f.name).toBe('Admin access required');
      }
    }
    // Nobody's role changed on the way.
    expect(clerk.requests.metadataUpdates).toEqual([]);
  });
});

describe('GET /admin/users', () => {
  it("lists users in Torale's shape with counts, Clerk roles (one Clerk call per page) and capacity", async () => {
    const lists = clerk.requests.userLists;
    const res = await t.app.inject({ method: 'GET', url: '/admin/users', headers: admin.headers });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(clerk.requests.userLists).toBe(lists + 1);
    expect(Object.keys(body).sort()).toEqual(['capacity', 'users']);
    const byId = new Map(body.users.map((u: { id: string }) => [u.id, u]));
    expect(byId.get(admin.userId)).toMatchObject({ role: 'admin', is_active: true, task_count: 0 });
    expect(Object.keys(byId.get(developer.userId) as object).sort()).toEqual(
      [
        'clerk_user_id',
        'created_at',
        'email',
        'id',
        'is_active',
        'notifications_count',
        'role',
        'task_count',
        'total_executions',
      ].sort(),
    );
    expect(byId.get(developer.userId)).toMatchObject({ role: 'developer' });
    expect(body.capacity).toEqual({ used: body.users.length, total: 100, available: 100 - body.users.length });
  });

  it('counts tasks and executions per user; pages newest first', async () => {
    const task = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tasks',
      headers: developer.headers,
      payload: { search_query: 'Is it out yet?' },
    });
    expect(task.statusCode, task.body).toBeLessThan(300);
    const first = (await t.app.inject({ method: 'GET', url: '/admin/users?limit=1', headers: admin.headers })).json();
    expect(first.users).toHaveLength(1);
    expect(first.users[0].id).toBe(developer.userId); // signed in last
    expect(first.users[0].task_count).toBe(1);
    const second = (
      await t.app.inject({ method: 'GET', url: '/admin/users?limit=1&offset=1', headers: admin.headers })
    ).json();
    expect(second.users[0].id).toBe(admin.userId);
  });

  it('Clerk down: roles null and a warning, the list still answers', async () => {
    clerk.down = true;
    try {
      const res = await t.app.inject({ method: 'GET', url: '/admin/users', headers: admin.headers });
      // The admin's own profile is cached, so the guard passes; the role lookup fails.
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().warnings).toEqual(['Clerk role fetch failed. Roles may be incomplete.']);
      expect(res.json().users.every((u: { role: unknown }) => u.role === null)).toBe(true);
    } finally {
      clerk.down = false;
    }
  });
});

describe('the audit log', () => {
  it('record() entries read back newest first, keyset-paged, over REST and GraphQL', async () => {
    const svc = t.container.services.admin;
    const row = await findUserByClerkId(t.database.db, admin.clerkUserId);
    if (!row) throw new Error('admin not synced');
    for (let i = 0; i < 3; i++) {
      await svc.record(row, { action: `test.action${i}`, targetUserId: developer.userId, details: { i } });
    }
    const page1 = await t.app.inject({ method: 'GET', url: '/admin/audit-log?limit=2', headers: admin.headers });
    expect(page1.statusCode, page1.body).toBe(200);
    const b1 = page1.json();
    expect(b1.entries.map((e: { action: string }) => e.action)).toEqual(['test.action2', 'test.action1']);
    expect(b1.entries[0]).toMatchObject({
      admin_user_id: admin.userId,
      target_user_id: developer.userId,
      target_task_id: null,
      details: { i: 2 },
    });
    const page2 = (
      await t.app.inject({
        method: 'GET',
        url: `/admin/audit-log?limit=2&cursor=${b1.next_cursor}`,
        headers: admin.headers,
      })
    ).json();
    expect(page2.entries.map((e: { action: string }) => e.action)).toEqual(['test.action0']);
    expect(page2.next_cursor).toBeNull();
    const bad = await t.app.inject({ method: 'GET', url: '/admin/audit-log?cursor=xyz', headers: admin.headers });
    expect(bad.statusCode).toBe(400);

    const r = await gql(
      '{ admin { auditLog(first: 2) { edges { node { action adminUserId targetUserId details } } pageInfo { hasNextPage } } users(limit: 5) { users { id role } capacity { total } } } }',
      admin.headers,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.admin.auditLog.edges.map((e: { node: { action: string } }) => e.node.action)).toEqual([
      'test.action2',
      'test.action1',
    ]);
    expect(r.data?.admin.auditLog.pageInfo.hasNextPage).toBe(true);
    expect(r.data?.admin.users.users.find((u: { id: string }) => u.id === admin.userId)?.role).toBe('admin');
  });
});
