// GraphQL over the admin views, task actions and waitlist: the same services as /admin/*,
// the same input rules (bad arguments are BAD_USER_INPUT), and admin-only mutations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let taskId: string;

beforeAll(async () => {
  [tdb, clerk] = await Promise.all([createTestDatabase(), startFakeClerk()]);
  t = await startApp(tdb, { env: clerkEnv(clerk, { RATE_LIMIT_GRAPHQL_POINTS: '0' }) });
  admin = await signInAdmin(t.app, clerk);
  alice = await signIn(t.app, clerk, { email: 'alice@example.com' });
  taskId = (await rest(t.app, 'POST', '/api/v1/tasks', alice.headers, { name: 'T', search_query: 'Is it out?' })).body
    .id;
  await rest(t.app, 'POST', '/public/waitlist', {}, { email: 'wait@example.com' });
});
afterAll(async () => {
  await t?.close();
  await clerk?.close();
  await tdb?.drop();
});

const gql = async (query: string, headers = admin.headers) => {
  const res = await t.app.inject({ method: 'POST', url: '/graphql', headers, payload: { query } });
  // biome-ignore lint/suspicious/noExplicitAny: the test reads whatever shape the query asked for.
  return res.json() as { data?: Record<string, any>; errors?: { message: string; extensions: { code: string } }[] };
};

describe('admin { … } views', () => {
  it('stats, queries, executions, errors, scheduler jobs, waitlist and its stats in one query', async () => {
    const r = await gql(`{ admin {
      stats { users { total } tasks { total triggered triggerRate } executions24h { total successRate } popularQueries { searchQuery count } estimated }
      queries(limit: 5) { id name userEmail executionCount }
      executions(limit: 5) { id }
      errors { id }
      schedulerJobs(limit: 5) { jobs { taskId name due } total due }
      waitlist(status: PENDING) { email status invitedAt }
      waitlistStats { pending total }
    } }`);
    expect(r.errors).toBeUndefined();
    const a = r.data!.admin;
    expect(a.stats).toEqual({
      users: { total: 2 },
      tasks: { total: 1, triggered: 0, triggerRate: '0.0%' },
      executions24h: { total: 0, successRate: '100.0%' },
      popularQueries: [{ searchQuery: 'Is it out?', count: 1 }],
      estimated: false,
    });
    expect(a.queries).toEqual([{ id: taskId, name: 'T', userEmail: 'alice@example.com', executionCount: 0 }]);
    expect(a.executions).toEqual([]);
    expect(a.errors).toEqual([]);
    expect(a.schedulerJobs).toEqual({ jobs: [{ taskId, name: 'T', due: false }], total: 1, due: 0 });
    expect(a.waitlist).toEqual([{ email: 'wait@example.com', status: 'PENDING', invitedAt: null }]);
    expect(a.waitlistStats).toEqual({ pending: 1, total: 1 });
  });

  it('bad arguments are BAD_USER_INPUT, as REST answers 422', async () => {
    for (const q of [
      'queries(limit: 0) { id }',
      'executions(status: "exploded") { id }',
      'waitlist(offset: -1) { id }',
    ]) {
      const r = await gql(`{ admin { ${q} } }`);
      expect(r.errors?.[0]?.extensions.code, q).toBe('BAD_USER_INPUT');
    }
  });
});

describe('admin mutations', () => {
  it('invite and delete a waitlist entry; run, pause and reset a task; each in the audit log', async () => {
    const [entry] = (await gql('{ admin { waitlist { id } } }')).data!.admin.waitlist;
    const invited = await gql(
      `mutation { updateWaitlistEntry(id: "${entry.id}", status: INVITED, notes: "hi") { status notes invitedAt } }`,
    );
    expect(invited.errors).toBeUndefined();
    expect(invited.data?.updateWaitlistEntry).toMatchObject({ status: 'INVITED', notes: 'hi' });
    expect(invited.data?.updateWaitlistEntry.invitedAt).not.toBeNull();
    expect((await gql(`mutation { deleteWaitlistEntry(id: "${entry.id}") }`)).data?.deleteWaitlistEntry).toBe(true);
    const again = await gql(`mutation { deleteWaitlistEntry(id: "${entry.id}") }`);
    expect(again.errors?.[0]).toMatchObject({ message: 'Waitlist entry not found', extensions: { code: 'NOT_FOUND' } });

    const run = await gql(`mutation { adminExecuteTask(taskId: "${taskId}") { id status } }`);
    expect(run.data?.adminExecuteTask.status).toBe('PENDING');
    const paused = await gql(`mutation { adminSetTaskState(taskId: "${taskId}", state: PAUSED) { id state } }`);
    expect(paused.data?.adminSetTaskState).toEqual({ id: taskId, state: 'PAUSED' });
    const invalid = await gql(`mutation { adminSetTaskState(taskId: "${taskId}", state: COMPLETED) { id } }`);
    expect(invalid.errors?.[0]?.message).toBe('Invalid state transition: Cannot transition from paused to completed');
    const reset = await gql(
      `mutation { adminResetTask(taskId: "${taskId}", days: 2) { taskId executionsDeleted days } }`,
    );
    expect(reset.data?.adminResetTask).toEqual({ taskId, executionsDeleted: 0, days: 2 }); // the pending run stays
    expect(
      (await gql(`mutation { adminResetTask(taskId: "${taskId}", days: 31) { days } }`)).errors?.[0]?.extensions.code,
    ).toBe('BAD_USER_INPUT');

    const log = await tdb.database.db.selectFrom('admin_audit_log').select('action').orderBy('created_at').execute();
    expect(log.map((e) => e.action)).toEqual([
      'waitlist.update',
      'waitlist.delete',
      'task.execute',
      'task.state',
      'task.reset',
    ]);
  });

  it('a non-admin session gets FORBIDDEN and changes nothing', async () => {
    const r = await gql(`mutation { adminSetTaskState(taskId: "${taskId}", state: ACTIVE) { id } }`, alice.headers);
    expect(r.errors?.[0]).toMatchObject({ message: 'Admin access required', extensions: { code: 'FORBIDDEN' } });
    const row = await tdb.database.db.selectFrom('tasks').select('state').where('id', '=', taskId).executeTakeFirst();
    expect(row?.state).toBe('paused');
  });
});
