// Paging: deep offsets of the public list answer exactly what OFFSET would (served from
// bookmarks, not by reading the skipped rows), and keyset connections see each row once
// while rows are added, through an index range rather than OFFSET.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import type { Container } from '../../src/container.js';
import { BOOKMARK_STRIDE } from '../../src/tasks/public-tasks.service.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { testContainer, testUser } from '../helpers/container.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let c: Container;
let t: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  c = testContainer(tdb);
  t = await startApp(tdb, { env: { TORALE_NOAUTH: '1' } });
});
afterAll(async () => {
  await t?.close();
  await c?.close();
  await tdb?.drop();
});

async function gql<T>(app: App, query: string, variables: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/graphql', payload: { query, variables } });
  return res.json() as { data?: T; errors?: { message: string; extensions: { code: string } }[] };
}

/** `n` public tasks of a new user; created_at repeats (ten rows share each instant), counters vary. */
async function publicTasks(n: number, label: string): Promise<void> {
  const { user } = await testUser(tdb);
  await sql`
    insert into tasks (user_id, name, search_query, condition_description, state, is_public, view_count, subscriber_count, created_at)
    select ${user.id}, ${label} || g, 'q', 'c', 'paused', true, g % 7, g % 3,
           timestamptz '2026-01-01' + (g / 10) * interval '1 second' + interval '123456 microseconds'
    from generate_series(1, ${n}) g`.execute(tdb.database.db);
}

const ORDER = {
  recent: sql`created_at desc, id desc`,
  popular: sql`subscriber_count desc, view_count desc, created_at desc, id desc`,
};

describe('the public list, by offset', () => {
  beforeAll(() => publicTasks(1300, 'p'));

  it.each(['recent', 'popular'] as const)('%s: every offset answers what OFFSET answers', async (sort) => {
    for (const offset of [
      0,
      1,
      BOOKMARK_STRIDE - 1,
      BOOKMARK_STRIDE,
      BOOKMARK_STRIDE + 1,
      999,
      1000,
      1234,
      1290,
      1300,
      5000,
    ]) {
      const got = (await c.services.publicTasks.list({ offset, limit: 20, sort_by: sort })).map((x) => x.id);
      const { rows } = await sql<{ id: string }>`
        select id from tasks where is_public order by ${ORDER[sort]} offset ${offset} limit 20`.execute(
        tdb.database.db,
      );
      expect(got, `offset ${offset}`).toEqual(rows.map((r) => r.id));
    }
  });

  it('the total is the number of public tasks', async () => {
    expect(await c.services.publicTasks.total()).toBe(1300);
  });
});

describe('connections, by keyset cursor', () => {
  it('walking the public list while tasks are added sees every earlier task exactly once', async () => {
    const before = (await sql<{ id: string }>`select id from tasks where is_public`.execute(tdb.database.db)).rows.map(
      (r) => r.id,
    );
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const r = await c.services.publicTasks.connection({ first: 100, sort: 'recent', ...(after && { after }) });
      seen.push(...r.edges.map((e) => e.node.id));
      if (page % 3 === 0) await publicTasks(7, `added${page}-`); // newer rows appear while we page
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(before.filter((id) => !seen.includes(id))).toEqual([]);
  });

  it("walking a task's 1,000 executions while runs are added: each at most once, none skipped; an index range", async () => {
    const { viewer } = await testUser(tdb);
    const { task } = await c.services.tasks.create(viewer, { search_query: 'q', state: 'paused' });
    const db = tdb.database.db;
    await sql`insert into task_executions (task_id, status, started_at)
      select ${task.id}, 'success', timestamptz '2026-02-01' + (g / 4) * interval '1 millisecond'
      from generate_series(1, 1000) g`.execute(db);
    const existing = (
      await sql<{ id: string }>`select id from task_executions where task_id = ${task.id}`.execute(db)
    ).rows.map((r) => r.id);
    const seen: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 50; page++) {
      const r = await c.services.executions.connection(viewer, task.id, { first: 37, ...(after && { after }) });
      seen.push(...r.edges.map((e) => e.node.id));
      await sql`insert into task_executions (task_id, status) values (${task.id}, 'success')`.execute(db);
      if (!r.pageInfo.hasNextPage) break;
      after = r.pageInfo.endCursor ?? undefined;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(existing.filter((id) => !seen.includes(id))).toEqual([]);
    const plan = await sql<{ 'QUERY PLAN': string }>`explain
      select id from task_executions where task_id = ${task.id}
        and (started_at, id) < (timestamptz '2026-02-01', '00000000-0000-0000-0000-000000000000'::uuid)
      order by started_at desc, id desc limit 38`.execute(db);
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index (Only )?Scan using task_executions_task_started/);
    expect(text).not.toMatch(/Sort|Offset/i);
  });

  it('over GraphQL: Relay shapes, and a cursor that is not ours is a 400', async () => {
    const first = await gql<{
      publicTasksConnection: {
        edges: { cursor: string; node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    }>(
      t.app,
      '{ publicTasksConnection(first: 2, sortBy: POPULAR) { edges { cursor node { id isPublic } } pageInfo { hasNextPage endCursor } } }',
    );
    expect(first.errors).toBeUndefined();
    const conn = first.data!.publicTasksConnection;
    expect(conn.edges).toHaveLength(2);
    expect(conn.pageInfo).toEqual({ hasNextPage: true, endCursor: conn.edges[1]!.cursor });
    const next = await gql<{ publicTasksConnection: { edges: { node: { id: string } }[] } }>(
      t.app,
      'query($after: String) { publicTasksConnection(first: 2, sortBy: POPULAR, after: $after) { edges { node { id } } } }',
      { after: conn.pageInfo.endCursor },
    );
    expect(next.data!.publicTasksConnection.edges.map((e) => e.node.id)).not.toContain(conn.edges[0]!.node.id);
    for (const after of [
      'garbage',
      Buffer.from('["recent",1]').toString('base64url'),
      conn.pageInfo.endCursor.slice(0, -2),
    ]) {
      const bad = await gql(t.app, 'query($a: String) { publicTasksConnection(after: $a) { edges { cursor } } }', {
        a: after,
      });
      expect(bad.errors?.[0]).toMatchObject({ message: 'Invalid cursor', extensions: { code: 'BAD_USER_INPUT' } });
    }
    const tooMany = await gql(t.app, '{ publicTasksConnection(first: 101) { edges { cursor } } }');
    expect(tooMany.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });
});
