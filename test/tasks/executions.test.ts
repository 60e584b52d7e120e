// Executions: "execute now", the one-live-execution rule, force, run_immediately, the
// lists, and lastExecution embedded at a constant number of SQL statements.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExecuteTaskDocument,
  ExecutionsDocument,
  TaskIdsWithLastExecutionDocument,
  UpdateTaskDocument,
} from '../gql/graphql.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { createKey, type SignedInUser, signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';

const ALREADY = 'Task is already running or pending. Use force=true to override.';
const EXEC_KEYS = [
  'completed_at',
  'created_at',
  'error_message',
  'grounding_sources',
  'id',
  'notification',
  'result',
  'started_at',
  'status',
  'task_id',
];

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
let u: SignedInUser;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway());
  u = await signIn(t.app, clerk);
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

const newTask = async (body: Record<string, unknown> = {}) =>
  (await rest(t.app, 'POST', '/api/v1/tasks', u.headers, { search_query: 'q', ...body })).body;

describe('execute', () => {
  it('queues a pending execution; with force=false a second is 409, by default it cancels the first', async () => {
    const task = await newTask();
    const first = await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute`, u.headers);
    expect(first.status).toBe(200);
    expect(Object.keys(first.body).sort()).toEqual(EXEC_KEYS);
    expect(first.body).toMatchObject({ task_id: task.id, status: 'pending', completed_at: null, result: null });

    const second = await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute?force=false`, u.headers);
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ detail: ALREADY });
    const viaGql = await gql(t.app, ExecuteTaskDocument, { id: task.id }, u.headers);
    expect(codeOf(viaGql)).toBe('CONFLICT');
    expect(viaGql.errors?.[0]?.message).toBe(ALREADY);

    // Run Now as Torale's: the live run is cancelled, saying so, and a new one starts.
    const forced = await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute`, u.headers);
    expect(forced.status).toBe(200);
    const list = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/executions`, u.headers);
    expect(list.body.map((e: { id: string; status: string }) => [e.id, e.status])).toEqual([
      [forced.body.id, 'pending'],
      [first.body.id, 'cancelled'],
    ]);
    expect(list.body[1].error_message).toBe('Execution cancelled by manual force run');
    const again = await rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute?force=true`, u.headers);
    expect(again.status).toBe(200);
    const withTask = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}`, u.headers);
    expect(withTask.body.last_execution.id).toBe(again.body.id);
    expect(withTask.body.last_execution_id).toBe(again.body.id);
  });

  it('concurrent "execute now": with force=false one success, the rest 409; forced, one live run remains', async () => {
    const task = await newTask();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute?force=false`, u.headers)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    const forced = await Promise.all(
      Array.from({ length: 10 }, () => rest(t.app, 'POST', `/api/v1/tasks/${task.id}/execute`, u.headers)),
    );
    expect(forced.map((r) => r.status)).toEqual(Array(10).fill(200));
    const list = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/executions`, u.headers);
    expect(list.body.filter((e: { status: string }) => e.status === 'pending')).toHaveLength(1);
    expect(list.body.filter((e: { status: string }) => e.status === 'cancelled')).toHaveLength(10);
  });

  it('run_immediately on create queues one and reports problems in immediate_execution_error', async () => {
    const task = await newTask({ run_immediately: true });
    expect(task.immediate_execution_error).toBeNull();
    expect(task.last_execution).toMatchObject({ status: 'pending' });
    const upd = await gql(t.app, UpdateTaskDocument, { id: task.id, input: { runImmediately: true } }, u.headers);
    expect(upd.data?.updateTask.immediateExecutionError).toBe(ALREADY);
  });

  it('executions of another user’s task are 404; limits are validated', async () => {
    const task = await newTask();
    const v = await signIn(t.app, clerk);
    for (const path of ['execute', 'executions', 'notifications']) {
      const res = await rest(t.app, path === 'execute' ? 'POST' : 'GET', `/api/v1/tasks/${task.id}/${path}`, v.headers);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Task not found' });
    }
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/executions?limit=0`, u.headers)).status).toBe(422);
    const g = await gql(t.app, ExecutionsDocument, { taskId: task.id, limit: 0 }, u.headers);
    expect(codeOf(g)).toBe('BAD_USER_INPUT');
  });

  it('lists executions newest first with a limit, and those that notified', async () => {
    const task = await newTask();
    const db = tdb.database.db;
    // History as the runner will leave it: finished runs, some with notifications.
    for (let i = 0; i < 5; i++) {
      await db
        .insertInto('task_executions')
        .values({
          task_id: task.id,
          status: 'success',
          started_at: new Date(Date.now() - (10 - i) * 60_000),
          completed_at: new Date(Date.now() - (10 - i) * 60_000 + 1000),
          result: JSON.stringify({ evidence: `run ${i}` }),
          notification: i % 2 === 0 ? `condition met (${i})` : null,
        })
        .execute();
    }
    const all = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/executions?limit=3`, u.headers);
    expect(all.body.map((e: { result: { evidence: string } }) => e.result.evidence)).toEqual([
      'run 4',
      'run 3',
      'run 2',
    ]);
    const notified = await rest(t.app, 'GET', `/api/v1/tasks/${task.id}/notifications`, u.headers);
    expect(notified.body.map((e: { notification: string }) => e.notification)).toEqual([
      'condition met (4)',
      'condition met (2)',
      'condition met (0)',
    ]);
    const g = await gql(t.app, ExecutionsDocument, { taskId: task.id, limit: 2 }, u.headers);
    expect(g.data?.executions.map((e) => e.result)).toEqual([{ evidence: 'run 4' }, { evidence: 'run 3' }]);
  });
});

describe('lists in one statement', () => {
  it('executions and notifications of a task (REST and GraphQL) cost one statement beyond the key look-up, ownership included', async () => {
    const v = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, v.headers);
    const headers = { authorization: `Bearer ${key}` };
    const mine = (await rest(t.app, 'POST', '/api/v1/tasks', headers, { search_query: 'mine' })).body;
    const theirs = await newTask();
    const empty = (await rest(t.app, 'POST', '/api/v1/tasks', headers, { search_query: 'no runs yet' })).body;
    await sql`
      insert into task_executions (task_id, status, started_at, notification)
      select ${mine.id}, 'success', now() - (g || ' minutes')::interval, case when g % 2 = 0 then 'n' || g end
      from generate_series(1, 30) g`.execute(tdb.database.db);
    const statements = async (run: () => Promise<unknown>) => {
      const before = t.database.stats.queries;
      await run();
      return t.database.stats.queries - before;
    };
    await rest(t.app, 'GET', '/auth/me', headers); // warm: last_used_at written once
    const me = await statements(() => rest(t.app, 'GET', '/auth/me', headers));
    const cases: [string, () => Promise<{ status: number; body: unknown }>, number][] = [
      ['REST executions', () => rest(t.app, 'GET', `/api/v1/tasks/${mine.id}/executions?limit=20`, headers), 20],
      ['REST notifications', () => rest(t.app, 'GET', `/api/v1/tasks/${mine.id}/notifications?limit=20`, headers), 15],
      ['REST executions, no runs', () => rest(t.app, 'GET', `/api/v1/tasks/${empty.id}/executions`, headers), 0],
      ['REST executions, not yours', () => rest(t.app, 'GET', `/api/v1/tasks/${theirs.id}/executions`, headers), 404],
      [
        'REST notifications, not yours',
        () => rest(t.app, 'GET', `/api/v1/tasks/${theirs.id}/notifications`, headers),
        404,
      ],
      [
        'GraphQL executions',
        async () => {
          const g = await gql(t.app, ExecutionsDocument, { taskId: mine.id, limit: 20 }, headers);
          return { status: g.errors ? 500 : 200, body: g.data?.executions };
        },
        20,
      ],
      [
        'GraphQL executions, not yours',
        async () => {
          const g = await gql(t.app, ExecutionsDocument, { taskId: theirs.id, limit: 20 }, headers);
          return { status: codeOf(g) === 'NOT_FOUND' ? 404 : 200, body: g.data };
        },
        404,
      ],
    ];
    for (const [name, run, expected] of cases) {
      let res: { status: number; body: unknown } | undefined;
      const n = await statements(async () => {
        res = await run();
      });
      if (expected === 404) expect(res?.status, name).toBe(404);
      else expect((res?.body as unknown[] | undefined)?.length, name).toBe(expected);
      expect(n, name).toBe(me + 1);
    }
  });
});

describe('lastExecution without N+1', () => {
  it('tasks { lastExecution } costs the same number of SQL statements for 10 and for 1,000 tasks', async () => {
    const db = tdb.database.db;
    const v = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, v.headers);
    const headers = { authorization: `Bearer ${key}` };
    const seed = async (n: number) => {
      await sql`
        with new_tasks as (
          insert into tasks (user_id, name, search_query, condition_description, state)
          select ${v.userId}, 'bulk ' || g || ' ' || ${n}, 'q', 'c', 'paused' from generate_series(1, ${n}) g
          returning id
        )
        insert into task_executions (task_id, status, started_at)
        select id, 'success', now() - (s || ' minutes')::interval from new_tasks, generate_series(1, 3) s`.execute(db);
    };
    const count = async () => {
      const before = t.database.stats.queries;
      const res = await gql(t.app, TaskIdsWithLastExecutionDocument, {}, headers);
      expect(res.errors).toBeUndefined();
      return { statements: t.database.stats.queries - before, tasks: res.data?.tasks ?? [] };
    };
    await gql(t.app, TaskIdsWithLastExecutionDocument, {}, headers); // warm: last_used_at written once
    await seed(10);
    const small = await count();
    expect(small.tasks).toHaveLength(10);
    await seed(990);
    const large = await count();
    expect(large.tasks).toHaveLength(1000);
    expect(large.tasks.every((x) => x.lastExecution?.status === 'SUCCESS')).toBe(true);
    expect(large.statements).toBe(small.statements);
    expect(large.statements).toBeLessThanOrEqual(2); // the key look-up and the list
  });
});
