// The admin console's platform views and task actions in Torale's shapes: stats, every task,
// every run, failed runs, the dispatcher's schedule; Run Now, state changes and resets on
// anyone's task through the owner's paths, each in the audit log.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRun } from '../dashboard/seed.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv, type SignedInUser, signIn, signInAdmin } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let admin: SignedInUser;
let alice: SignedInUser;
const task: Record<string, string> = {};

const create = async (who: SignedInUser, name: string, query: string, state = 'active') => {
  const res = await rest(t.app, 'POST', '/api/v1/tasks', who.headers, { name, search_query: query, state });
  expect(res.status, res.raw).toBe(200);
  return res.body.id as string;
};
const get = (url: string) => rest(t.app, 'GET', url, admin.headers);
const setLast = (taskId: string, execId: string) =>
  sql`update tasks set last_execution_id = ${execId} where id = ${taskId}`.execute(tdb.database.db);

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, { env: clerkEnv(clerk) });
  admin = await signInAdmin(t.app, clerk);
  alice = await signIn(t.app, clerk, { email: 'alice@example.com' });
  task.a = await create(alice, 'A', 'Is the PS6 out?');
  task.b = await create(alice, 'B', 'Is the PS6 out?');
  task.c = await create(alice, 'C', 'Did the Fed cut rates?', 'paused');
  // A: an old notified run then a recent one that notified (its last); B: a recent failure.
  const old = await insertRun(tdb.database, task.a, { notification: 'Old news' });
  await sql`update task_executions set created_at = now() - interval '10 days' where id = ${old.id}`.execute(
    tdb.database.db,
  );
  const met = await insertRun(tdb.database, task.a, { notification: 'PS6 announced', result: { evidence: 'yes' } });
  await sql`update task_executions set started_at = now(), created_at = now() where id = ${met.id}`.execute(
    tdb.database.db,
  );
  await setLast(task.a, met.id);
  const failed = await insertRun(tdb.database, task.b, { status: 'failed', error: 'Agent timed out' });
  await sql`update task_executions set started_at = now() - interval '1 hour' where id = ${failed.id}`.execute(
    tdb.database.db,
  );
  await setLast(task.b, failed.id);
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
});

describe('GET /admin/stats', () => {
  it("counts users, active tasks, the day's runs and the common queries, exactly on a small platform", async () => {
    const res = await get('/admin/stats');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      users: { total: 2, capacity: 100, available: 98 },
      tasks: { total: 2, triggered: 1, trigger_rate: '50.0%' },
      executions_24h: { total: 2, failed: 1, success_rate: '50.0%' },
      popular_queries: [
        { search_query: 'Is the PS6 out?', count: 2, triggered_count: 1 },
        { search_query: 'Did the Fed cut rates?', count: 1, triggered_count: 0 },
      ],
      estimated: false,
    });
  });
});

describe('lists', () => {
  it('/admin/queries: every task newest first with run counts; active_only; paged and bounded', async () => {
    const res = await get('/admin/queries');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(3);
    expect(res.body.queries.map((q: { name: string }) => q.name)).toEqual(['C', 'B', 'A']);
    const a = res.body.queries[2];
    expect(Object.keys(a).sort()).toEqual(
      [
        'condition_description',
        'created_at',
        'execution_count',
        'has_notification',
        'id',
        'last_known_state',
        'name',
        'next_run',
        'search_query',
        'state',
        'state_changed_at',
        'trigger_count',
        'user_email',
      ].sort(),
    );
    expect(a).toMatchObject({ id: task.a, user_email: 'alice@example.com', execution_count: 2, trigger_count: 2 });
    expect(a.has_notification).toBe(true);
    const active = await get('/admin/queries?active_only=true&limit=1&offset=1');
    expect(active.body.queries.map((q: { name: string }) => q.name)).toEqual(['A']);
    for (const q of ['limit=0', 'limit=501', 'offset=-1', 'active_only=maybe']) {
      expect((await get(`/admin/queries?${q}`)).status, q).toBe(422);
    }
  });

  it('/admin/executions: every run newest first, by status or task; /admin/errors: the failed ones', async () => {
    const all = await get('/admin/executions');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    const first = all.body.executions[0];
    expect(first).toMatchObject({
      task_id: task.a,
      status: 'success',
      notification: 'PS6 announced',
      result: { evidence: 'yes' },
      grounding_sources: [],
      search_query: 'Is the PS6 out?',
      user_email: 'alice@example.com',
      error_message: null,
    });
    const failed = await get('/admin/executions?status=failed');
    expect(failed.body.executions.map((e: { task_id: string }) => e.task_id)).toEqual([task.b]);
    const ofA = await get(`/admin/executions?task_id=${task.a}&limit=1`);
    expect(ofA.body.executions).toHaveLength(1);
    for (const q of ['limit=201', 'status=exploded', 'task_id=nope', 'offset=-1']) {
      expect((await get(`/admin/executions?${q}`)).status, q).toBe(422);
    }
    const errors = await get('/admin/errors');
    expect(errors.body).toEqual({
      errors: [
        {
          id: failed.body.executions[0].id,
          task_id: task.b,
          started_at: failed.body.executions[0].started_at,
          completed_at: failed.body.executions[0].completed_at,
          error_message: 'Agent timed out',
          search_query: 'Is the PS6 out?',
          task_name: 'B',
          user_email: 'alice@example.com',
        },
      ],
      total: 1,
    });
    expect((await get('/admin/errors?limit=0')).status).toBe(422);
  });

  it("/admin/scheduler/jobs: the dispatcher's schedule soonest first; due ones counted", async () => {
    await sql`update tasks set next_dispatch_at = now() - interval '1 minute' where id = ${task.b}`.execute(
      tdb.database.db,
    );
    const res = await get('/admin/scheduler/jobs');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2); // A and B are active; C is paused, so nothing is scheduled for it
    expect(res.body.due).toBe(1);
    expect(res.body.jobs[0]).toMatchObject({ id: `task-${task.b}`, name: 'B', paused: false, due: true });
    expect(res.body.jobs[1]).toMatchObject({ id: `task-${task.a}`, name: 'A', due: false });
    expect(res.body.jobs[1].trigger).toBe(`date[${res.body.jobs[1].next_run_time}]`);
    expect(
      (await get('/admin/scheduler/jobs?limit=1&offset=1')).body.jobs.map((j: { name: string }) => j.name),
    ).toEqual(['A']);
    expect((await get('/admin/scheduler/jobs?limit=501')).status).toBe(422);
  });
});

describe('task actions', () => {
  const actions = async () =>
    (await tdb.database.db.selectFrom('admin_audit_log').selectAll().orderBy('created_at').execute()).map((e) => ({
      action: e.action,
      task: e.target_task_id,
      admin: e.admin_user_id,
      details: e.details,
    }));

  it("runs anyone's task now (a pending run, as Run Now), refuses suppress_notifications=true", async () => {
    const res = await rest(t.app, 'POST', `/admin/tasks/${task.c}/execute`, admin.headers);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ task_id: task.c, status: 'pending', message: 'Execution started' });
    const run = await tdb.database.db
      .selectFrom('task_executions')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirst();
    expect(run?.status).toBe('pending');
    // Forced, as Torale's: a second Run Now cancels the live run instead of a 409.
    expect((await rest(t.app, 'POST', `/admin/tasks/${task.c}/execute`, admin.headers)).status).toBe(200);
    const quiet = await rest(
      t.app,
      'POST',
      `/admin/tasks/${task.c}/execute?suppress_notifications=true`,
      admin.headers,
    );
    expect(quiet).toMatchObject({ status: 400, body: { detail: 'suppress_notifications is not supported' } });
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await rest(t.app, 'POST', `/admin/tasks/${unknown}/execute`, admin.headers)).status).toBe(404);
    expect((await rest(t.app, 'POST', '/admin/tasks/nope/execute', admin.headers)).status).toBe(422);
  });

  it("moves anyone's task through the state machine; an invalid transition is 400", async () => {
    const patch = (id: string, state: unknown) =>
      rest(t.app, 'PATCH', `/admin/tasks/${id}/state`, admin.headers, { state });
    const paused = await patch(task.a!, 'paused');
    expect(paused).toMatchObject({
      status: 200,
      body: { id: task.a, state: 'paused', previous_state: 'active', message: 'Task state updated to paused' },
    });
    const row = await tdb.database.db.selectFrom('tasks').selectAll().where('id', '=', task.a!).executeTakeFirst();
    expect(row).toMatchObject({ state: 'paused', next_run: null, next_dispatch_at: null });
    expect(await patch(task.a!, 'completed')).toMatchObject({
      status: 400,
      body: { detail: 'Invalid state transition: Cannot transition from paused to completed' },
    });
    const resumed = await patch(task.a!, 'active');
    expect(resumed.body).toMatchObject({ state: 'active', previous_state: 'paused' });
    const again = await tdb.database.db.selectFrom('tasks').selectAll().where('id', '=', task.a!).executeTakeFirst();
    expect(again?.next_dispatch_at).not.toBeNull();
    expect((await patch(task.a!, 'gone')).status).toBe(422);
    expect((await patch('00000000-0000-4000-8000-000000000000', 'paused')).status).toBe(404);
  });

  it("resets a task's finished runs of the last days (DELETE as Torale's dashboard, POST alike)", async () => {
    const res = await rest(t.app, 'DELETE', `/admin/tasks/${task.a}/reset?days=1`, admin.headers);
    expect(res).toMatchObject({
      status: 200,
      body: { status: 'reset', task_id: task.a, executions_deleted: 1, days: 1 },
    });
    const row = await tdb.database.db.selectFrom('tasks').selectAll().where('id', '=', task.a!).executeTakeFirst();
    expect(row).toMatchObject({ last_execution_id: null, last_known_state: null });
    // The run of ten days ago was outside that day; thirty days reach it.
    const wide = await rest(t.app, 'POST', `/admin/tasks/${task.a}/reset?days=30`, admin.headers);
    expect(wide.body.executions_deleted).toBe(1);
    // A run under way is kept (the dispatcher reschedules its task when it ends).
    const live = await rest(t.app, 'POST', `/admin/tasks/${task.c}/reset?days=1`, admin.headers);
    expect(live.body.executions_deleted).toBe(1); // the cancelled run; the pending one stays
    const left = await tdb.database.db
      .selectFrom('task_executions')
      .select('status')
      .where('task_id', '=', task.c!)
      .execute();
    expect(left.map((r) => r.status)).toEqual(['pending']);
    for (const q of ['days=0', 'days=31', 'days=x']) {
      expect((await rest(t.app, 'DELETE', `/admin/tasks/${task.a}/reset?${q}`, admin.headers)).status, q).toBe(422);
    }
    expect(
      (await rest(t.app, 'DELETE', '/admin/tasks/00000000-0000-4000-8000-000000000000/reset', admin.headers)).status,
    ).toBe(404);
  });

  it('every action is in the audit log: who, what, which task', async () => {
    const log = await actions();
    expect(log.map((e) => e.action)).toEqual([
      'task.execute',
      'task.execute',
      'task.state',
      'task.state',
      'task.reset',
      'task.reset',
      'task.reset',
    ]);
    for (const e of log) expect(e.admin).toBe(admin.userId);
    expect(log[2]).toMatchObject({ task: task.a, details: { from: 'active', to: 'paused' } });
    expect(log[4]).toMatchObject({ task: task.a, details: { days: 1, executions_deleted: 1 } });
  });
});
