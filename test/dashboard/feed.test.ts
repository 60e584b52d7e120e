// The dashboard's feeds: your own runs that notified (Dashboard.tsx → ResultCard) and the
// public feed (Explore.tsx), which shows public tasks' findings (never their errors).
import { type CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DB } from '../../src/db/types.js';
import { feedQuery } from '../../src/feed/feed.repository.js';
import { FeedDocument, PublicFeedDocument } from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { insertRun } from './seed.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let owner: SignedInUser;
let other: SignedInUser;
const ids: Record<string, string> = {};

const RESULT = {
  evidence: 'Apple announced the event for September 9',
  confidence: 0.9,
  notification: 'OWNER-ONLY notification in the result',
  private_note: 'OWNER-ONLY extra field',
};
const SOURCES = [{ url: 'https://example.com/apple', title: 'Apple' }];

async function task(u: SignedInUser, name: string, isPublic = false): Promise<string> {
  const res = await rest(t.app, 'POST', '/api/v1/tasks', u.headers, {
    name,
    search_query: `${name}?`,
    state: 'paused',
  });
  expect(res.status).toBe(200);
  if (isPublic) await rest(t.app, 'PATCH', `/api/v1/tasks/${res.body.id}/visibility`, u.headers, { is_public: true });
  return res.body.id;
}

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  owner = await signIn(t.app, clerk);
  other = await signIn(t.app, clerk);
  const db = tdb.database;
  const mine = await task(owner, 'mine private');
  const pub = await task(owner, 'mine public', true);
  const theirs = await task(other, 'theirs private');
  const theirsPub = await task(other, 'theirs public', true);
  // Oldest first: only successful runs with a notification belong in a feed.
  ids.quiet = (await insertRun(db, mine, { result: { evidence: 'nothing new' } })).id;
  ids.failed = (await insertRun(db, mine, { status: 'failed', notification: 'x', error: 'boom' })).id;
  ids.mine1 = (
    await insertRun(db, mine, { notification: 'First: the date is out', result: RESULT, sources: SOURCES })
  ).id;
  ids.theirs = (await insertRun(db, theirs, { notification: 'THEIRS-ONLY private text' })).id;
  ids.pub = (
    await insertRun(db, pub, {
      notification: 'OWNER-ONLY public task notification',
      result: RESULT,
      sources: SOURCES,
      error: 'OWNER-ONLY error detail',
    })
  ).id;
  ids.theirsPub = (await insertRun(db, theirsPub, { notification: 'THEIRS-ONLY text', result: { evidence: 'e2' } })).id;
  ids.mine2 = (await insertRun(db, mine, { notification: 'Second: tickets on sale' })).id;
  ids.running = (await insertRun(db, mine, { status: 'running' })).id;
  Object.assign(ids, { mineTask: mine, pubTask: pub, theirsPubTask: theirsPub });
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const FEED_KEYS = [
  'id',
  'task_id',
  'status',
  'started_at',
  'completed_at',
  'result',
  'error_message',
  'notification',
  'grounding_sources',
  'created_at',
  'task_name',
  'task_search_query',
  'task_is_public',
  'task_user_id',
].sort();

describe('GET /api/v1/tasks/feed', () => {
  it("is the viewer's own successful runs that notified, newest first, with what ResultCard reads", async () => {
    const res = await rest(t.app, 'GET', '/api/v1/tasks/feed?limit=50', owner.headers);
    expect(res.status).toBe(200);
    expect(res.body.map((x: { id: string }) => x.id)).toEqual([ids.mine2, ids.pub, ids.mine1]);
    for (const item of res.body) expect(Object.keys(item).sort()).toEqual(FEED_KEYS);
    const first = res.body[2];
    // ResultCard: id, task_id, notification || result.evidence, task_name, started_at,
    // completed_at || started_at, grounding_sources.length.
    expect(first).toMatchObject({
      id: ids.mine1,
      task_id: ids.mineTask,
      status: 'success',
      notification: 'First: the date is out',
      result: RESULT,
      grounding_sources: SOURCES,
      task_name: 'mine private',
      task_search_query: 'mine private?',
      task_is_public: false,
      task_user_id: owner.userId,
    });
    expect(Date.parse(first.started_at)).toBeLessThan(Date.parse(first.completed_at));
    // The owner sees everything of their own public task's run.
    expect(res.body[1]).toMatchObject({ notification: 'OWNER-ONLY public task notification', task_is_public: true });
    expect(res.raw).not.toContain('THEIRS-ONLY');
  });

  it('is routed before /api/v1/tasks/{id}, takes limit 1–100 (default 50), and needs credentials', async () => {
    const one = await rest(t.app, 'GET', '/api/v1/tasks/feed?limit=1', owner.headers);
    expect(one.body.map((x: { id: string }) => x.id)).toEqual([ids.mine2]);
    expect((await rest(t.app, 'GET', '/api/v1/tasks/feed/', owner.headers)).body).toHaveLength(3);
    for (const q of ['limit=0', 'limit=101', 'limit=abc']) {
      const bad = await rest(t.app, 'GET', `/api/v1/tasks/feed?${q}`, owner.headers);
      expect(bad.status, q).toBe(422);
    }
    const low = await rest(t.app, 'GET', '/api/v1/tasks/feed?limit=0', owner.headers);
    expect(low.body.detail).toEqual([
      { type: 'greater_than_equal', loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 1' },
    ]);
    const anon = await rest(t.app, 'GET', '/api/v1/tasks/feed', {});
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ detail: 'Authorization header missing' });
    // Another user sees only theirs; a user with nothing gets [].
    const theirs = await rest(t.app, 'GET', '/api/v1/tasks/feed', other.headers);
    expect(theirs.body.map((x: { id: string }) => x.id)).toEqual([ids.theirsPub, ids.theirs]);
    const fresh = await signIn(t.app, clerk);
    expect((await rest(t.app, 'GET', '/api/v1/tasks/feed', fresh.headers)).body).toEqual([]);
  });

  it('GraphQL feed answers the same runs', async () => {
    const g = await gql(t.app, FeedDocument, { limit: 10 }, owner.headers);
    expect(g.data?.feed.map((x) => x.id)).toEqual([ids.mine2, ids.pub, ids.mine1]);
    expect(g.data?.feed[2]).toMatchObject({
      taskId: ids.mineTask,
      taskName: 'mine private',
      taskUserId: owner.userId,
      notification: 'First: the date is out',
      groundingSources: SOURCES,
    });
    expect(codeOf(await gql(t.app, FeedDocument, {}))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(t.app, FeedDocument, { limit: 101 }, owner.headers))).toBe('BAD_USER_INPUT');
  });
});

describe('GET /api/v1/public/feed', () => {
  it("is every public task's runs that notified, findings included (Torale's PublicFeedExecution), without credentials", async () => {
    for (const headers of [{}, other.headers, owner.headers]) {
      const res = await rest(t.app, 'GET', '/api/v1/public/feed?limit=50', headers);
      expect(res.status).toBe(200);
      expect(res.body.map((x: { id: string }) => x.id)).toEqual([ids.theirsPub, ids.pub]);
      for (const item of res.body) {
        expect(Object.keys(item).sort()).toEqual(FEED_KEYS);
        expect(item.error_message).toBeNull();
      }
      // A public task's findings are public: its notification (top level and in the result) and the owner's id.
      expect(res.body[1]).toMatchObject({
        task_id: ids.pubTask,
        task_name: 'mine public',
        task_is_public: true,
        task_user_id: owner.userId,
        notification: 'OWNER-ONLY public task notification',
        result: RESULT,
        grounding_sources: SOURCES,
      });
      expect(res.body[0]).toMatchObject({ notification: 'THEIRS-ONLY text', task_user_id: other.userId });
      // What is not public: error details, and private tasks' runs.
      expect(res.raw).not.toContain('OWNER-ONLY error detail');
      expect(res.raw).not.toContain('THEIRS-ONLY private text');
      expect(res.raw).not.toContain('First: the date is out');
    }
    expect((await rest(t.app, 'GET', '/api/v1/public/feed?limit=1', {})).body).toHaveLength(1);
    expect((await rest(t.app, 'GET', '/api/v1/public/feed?limit=101', {})).status).toBe(422);
  });

  it('a task made private leaves the public feed at once', async () => {
    await rest(t.app, 'PATCH', `/api/v1/tasks/${ids.theirsPubTask}/visibility`, other.headers, { is_public: false });
    try {
      const res = await rest(t.app, 'GET', '/api/v1/public/feed', {});
      expect(res.body.map((x: { id: string }) => x.id)).toEqual([ids.pub]);
    } finally {
      await rest(t.app, 'PATCH', `/api/v1/tasks/${ids.theirsPubTask}/visibility`, other.headers, { is_public: true });
    }
  });

  it('GraphQL publicFeed answers the same public views', async () => {
    const g = await gql(t.app, PublicFeedDocument, { limit: 10 });
    expect(g.data?.publicFeed.map((x) => x.id)).toEqual([ids.theirsPub, ids.pub]);
    expect(g.data?.publicFeed.map((x) => [x.taskUserId, x.notification])).toEqual([
      [other.userId, 'THEIRS-ONLY text'],
      [owner.userId, 'OWNER-ONLY public task notification'],
    ]);
    for (const item of g.data?.publicFeed ?? []) expect(item.errorMessage).toBeNull();
    expect(JSON.stringify(g.data)).not.toContain('OWNER-ONLY error detail');
  });
});

type PlanNode = {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
};

/** Every node of the executed plan of `c` (EXPLAIN ANALYZE). */
async function explain(db: Kysely<DB>, c: CompiledQuery): Promise<PlanNode[]> {
  // EXPLAIN takes no bind parameters: inline them (strings and numbers only here).
  const text = c.sql.replace(/\$(\d+)/g, (_, i) => {
    const v = c.parameters[Number(i) - 1];
    return typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`;
  });
  const plan = await sql.raw<{ 'QUERY PLAN': unknown }>(`explain (analyze, format json) ${text}`).execute(db);
  const nodes: PlanNode[] = [];
  const walk = (n: PlanNode) => {
    nodes.push(n);
    for (const p of n.Plans ?? []) walk(p);
  };
  walk((plan.rows[0]!['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  return nodes;
}

describe.skipIf(!inject('pgTemplate'))('the public feed at scale', () => {
  it('reads the feed index newest first and stops after `limit` public rows (EXPLAIN)', async () => {
    const db = tdb.database.db;
    // 400 tasks (1 in 10 public) × 50 runs = 20,000 executions, a third of them notified.
    await sql`
      with u as (select id from users where id = ${other.userId}),
      t as (
        insert into tasks (user_id, name, search_query, condition_description, state, is_public)
        select u.id, 'bulk ' || g, 'q', 'c', 'paused', g % 10 = 0 from u, generate_series(1, 400) g
        returning id)
      insert into task_executions (task_id, status, started_at, completed_at, notification, result)
      select t.id, case when g % 3 = 0 then 'success' else 'failed' end,
             now() - (g || ' hours')::interval, now(), case when g % 3 = 0 then 'n' end, '{"evidence":"e"}'
      from t, generate_series(1, 50) g`.execute(db);
    await sql`analyze task_executions`.execute(db);
    await sql`analyze tasks`.execute(db);
    const nodes = await explain(db, feedQuery(db, { publicOnly: true, limit: 50 }).compile());
    const executions = nodes.filter((n) => n['Relation Name'] === 'task_executions');
    expect(executions.map((n) => n['Node Type'])).not.toContain('Seq Scan');
    expect(executions.map((n) => n['Index Name'])).toContain('task_executions_feed');
    // A few rows read per public row found: not the ~6,700 notified runs, nor all 20,000.
    const read = executions.reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
    expect(read).toBeGreaterThanOrEqual(50);
    expect(read).toBeLessThan(1000);
  });
});

describe.skipIf(!inject('pgTemplate'))('the owner feed at scale', () => {
  it("reads the owner's notified runs in order from their own index and stops at `limit` (EXPLAIN)", async () => {
    const db = tdb.database.db;
    const bulk = await signIn(t.app, clerk);
    // 400 tasks × 50 runs = 20,000 executions of one owner, a third of them notified — and
    // the same again for someone else. One index probe per task, then a sort of every
    // notified run (~6,700), is what the feed must not cost.
    for (const userId of [bulk.userId, other.userId]) {
      await sql`
        with t as (
          insert into tasks (user_id, name, search_query, condition_description, state)
          select ${userId}, 'owner bulk ' || g, 'q', 'c', 'paused' from generate_series(1, 400) g
          returning id)
        insert into task_executions (task_id, status, started_at, completed_at, notification, result)
        select t.id, case when g % 3 = 0 then 'success' else 'failed' end,
               now() - (g || ' hours')::interval - random() * interval '1 hour', now(),
               case when g % 3 = 0 then 'n' end, '{"evidence":"e"}'
        from t, generate_series(1, 50) g`.execute(db);
    }
    await sql`analyze task_executions`.execute(db);
    await sql`analyze tasks`.execute(db);
    const nodes = await explain(db, feedQuery(db, { userId: bulk.userId, limit: 50 }).compile());
    const executions = nodes.filter((n) => n['Relation Name'] === 'task_executions');
    expect(executions.map((n) => n['Index Name'])).toEqual(['task_executions_owner_notified']);
    const read = executions.reduce((sum, n) => sum + n['Actual Rows'] * n['Actual Loops'], 0);
    expect(read).toBe(50);
    expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');

    const res = await rest(t.app, 'GET', '/api/v1/tasks/feed?limit=50', bulk.headers);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(50);
    expect(res.body.every((x: { task_user_id: string }) => x.task_user_id === bulk.userId)).toBe(true);
    const starts = res.body.map((x: { started_at: string }) => Date.parse(x.started_at));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });
});

describe('the owner on each execution', () => {
  it('is filled in by the database for any writer, and follows the task to a new owner', async () => {
    const db = tdb.database.db;
    const a = await signIn(t.app, clerk);
    const b = await signIn(t.app, clerk);
    const taskId = await task(a, 'owner follows');
    const run = await insertRun(tdb.database, taskId, { notification: 'moved' });
    const ownerOf = async (id: string) =>
      (await db.selectFrom('task_executions').select('user_id').where('id', '=', id).executeTakeFirstOrThrow()).user_id;
    expect(await ownerOf(run.id)).toBe(a.userId);
    await db.updateTable('tasks').set({ user_id: b.userId }).where('id', '=', taskId).execute();
    expect(await ownerOf(run.id)).toBe(b.userId);
    const feedOf = async (u: SignedInUser) =>
      (await rest(t.app, 'GET', '/api/v1/tasks/feed', u.headers)).body.map((x: { id: string }) => x.id);
    expect(await feedOf(b)).toEqual([run.id]);
    expect(await feedOf(a)).toEqual([]);
  });
});
