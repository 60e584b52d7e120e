// The engine at work: a backlog of 2,000 due tasks on two instances starting together (no
// crash, each run exactly once, nothing left behind), the statements one run costs, and
// the sweep that rescues executions no job would finish.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type Container, createContainer } from '../../src/container.js';
import { engineOptions, PgBossEngine } from '../../src/engine/pg-boss-engine.js';
import { createLogger } from '../../src/lib/logger.js';
import { RUN_QUEUE } from '../../src/runs/runs.repository.js';
import { STRANDED } from '../../src/runs/sweeper.js';
import { startApp, TEST_ENV, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { runEnv, waitFor } from './helpers.js';

const tpl = inject('pgTemplate');
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function devUserId(tdb: TestDatabase): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into users (clerk_user_id, email) values ('user_noauth_dev', 'test@example.com')
    on conflict (clerk_user_id) do update set email = excluded.email returning id`.execute(tdb.database.db);
  return rows[0]!.id;
}

describe.skipIf(!tpl)('a backlog of 2,000 due tasks, two instances starting together', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    agent.fallback = { kind: 'answer', result: { evidence: 'ok', next_run: inSeconds(3600) } };
    const userId = await devUserId(tdb);
    await sql`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run, next_dispatch_at)
      select ${userId}, 'backlog ' || g, 'q', 'c', 'active', now() - interval '1 hour', now() - interval '1 hour'
      from generate_series(1, 2000) g`.execute(tdb.database.db);
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await agent?.close();
    await tdb?.drop();
  });

  it('both come up at once, every task runs exactly once, no execution is left live', async () => {
    const started = performance.now();
    const env = runEnv(agent.url, { MAX_TASKS_PER_USER: '5000' });
    apps.push(
      ...(await Promise.all([
        startApp(tdb, { env, jobs: true, ownPool: true }),
        startApp(tdb, { env, jobs: true, ownPool: true }),
      ])),
    );
    const readyMs = performance.now() - started;
    // Serving while the backlog is worked off.
    expect((await rest(apps[0]!.app, 'GET', '/auth/me', {})).status).toBe(200);
    const count = async (where: string) =>
      (
        await sql<{ n: number }>`select count(*)::int as n from task_executions where ${sql.raw(where)}`.execute(
          tdb.database.db,
        )
      ).rows[0]!.n;
    await waitFor('2,000 successful runs', async () => (await count("status = 'success'")) >= 2000, 240_000);
    const doneMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 1000));
    const perTask = await sql<{ n: number; tasks: number }>`
      select max(c)::int as n, count(*)::int as tasks from (select count(*) as c from task_executions group by task_id) x`.execute(
      tdb.database.db,
    );
    const successes = apps.map((a) => a.container.runs.stats.outcomes.success ?? 0);
    console.log(
      `[engine] ready in ${readyMs.toFixed(0)} ms; 2,000 runs in ${(doneMs / 1000).toFixed(1)} s (${(2000 / (doneMs / 1000)).toFixed(0)} runs/s); per instance ${successes.join(' + ')}`,
    );
    expect(perTask.rows[0]).toEqual({ n: 1, tasks: 2000 });
    expect(await count("status in ('pending', 'running', 'retrying')")).toBe(0);
    expect(successes[0]! + successes[1]!).toBe(2000);
    // Every task is scheduled again, at the time the agent asked for.
    const unscheduled = await sql<{ n: number }>`
      select count(*)::int as n from tasks where state = 'active' and (next_dispatch_at is null or next_dispatch_at < now())`.execute(
      tdb.database.db,
    );
    expect(unscheduled.rows[0]?.n).toBe(0);
  }, 300_000);
});

describe.skipIf(!tpl)('per run', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let t: TestApp;
  beforeAll(async () => {
    [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    t = await startApp(tdb, { env: runEnv(agent.url), jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await tdb?.drop();
  });

  it('costs the gateway at most 3 statements of its own (dispatch share, claim, outcome) when nothing notifies', async () => {
    agent.fallback = { kind: 'answer', result: { evidence: 'ok', next_run: inSeconds(3600) } };
    const userId = await devUserId(tdb);
    await sql`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run, next_dispatch_at)
      select ${userId}, 'per run ' || g, 'q', 'c', 'active', now() + interval '1 hour', now() + interval '1 hour'
      from generate_series(1, 100) g`.execute(tdb.database.db);
    // Each ran before: a task's first successful run welcomes its owner by email (issue 25), which notifies.
    await sql`insert into task_executions (task_id, status, completed_at)
      select id, 'success', now() from tasks where name like 'per run %'`.execute(tdb.database.db);
    await new Promise((r) => setTimeout(r, 1500)); // the dispatcher is idle now
    const before = t.database.stats.queries;
    await sql`update tasks set next_dispatch_at = now() where name like 'per run %'`.execute(tdb.database.db);
    await waitFor('100 runs', async () => (t.container.runs.stats.outcomes.success ?? 0) >= 100, 30_000);
    const perRun = (t.database.stats.queries - before - 1) / 100;
    console.log(`[engine] gateway statements per run: ${perRun.toFixed(2)}`);
    expect(perRun).toBeLessThanOrEqual(3);
  }, 60_000);
});

describe.skipIf(!tpl)('the sweep', () => {
  let tdb: TestDatabase;
  let engine: PgBossEngine;
  let c: Container;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    // An engine that only enqueues: nothing here works the jobs, so the sweep is seen alone.
    const config = loadConfig({ ...TEST_ENV, TORALE_RUNNER: '0' });
    const logger = createLogger('silent');
    engine = new PgBossEngine(engineOptions(config, tdb.database.url), logger);
    c = createContainer(config, { database: tdb.database, logger, engine });
    await engine.start();
  });
  afterAll(async () => {
    await engine?.stop();
    await tdb?.drop();
  });

  it('queues again an execution whose job is gone, fails one whose job ended, leaves fresh ones alone', async () => {
    const db = tdb.database.db;
    const userId = await devUserId(tdb);
    const { rows: tasks } = await sql<{ id: string }>`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run)
      select ${userId}, 'sweep ' || g, 'q', 'c', 'active', now() from generate_series(1, 3) g returning id`.execute(db);
    const [lost, ended, fresh] = [randomUUID(), randomUUID(), randomUUID()];
    await sql`insert into task_executions (id, task_id, status, started_at) values
      (${lost}, ${tasks[0]!.id}, 'pending', now() - interval '2 hours'),
      (${ended}, ${tasks[1]!.id}, 'running', now() - interval '2 hours'),
      (${fresh}, ${tasks[2]!.id}, 'pending', now())`.execute(db);
    await c.runs.enqueue(db, [
      { id: ended, task_id: tasks[1]!.id },
      { id: fresh, task_id: tasks[2]!.id },
    ]);
    await engine.boss.cancel(RUN_QUEUE, ended);
    expect(await c.runs.sweep()).toEqual({ requeued: 1, failed: 1, scheduled: 0 });
    const job = await engine.boss.getJobById(RUN_QUEUE, lost);
    expect(job?.state).toBe('created');
    const endedRow = await db
      .selectFrom('task_executions')
      .select(['status', 'error_message'])
      .where('id', '=', ended)
      .executeTakeFirstOrThrow();
    expect(endedRow).toEqual({ status: 'failed', error_message: STRANDED });
    const task = await db
      .selectFrom('tasks')
      .select('next_dispatch_at')
      .where('id', '=', tasks[1]!.id)
      .executeTakeFirstOrThrow();
    expect(task.next_dispatch_at).not.toBeNull();
    // Nothing left to do: a second sweep finds nothing.
    expect(await c.runs.sweep()).toEqual({ requeued: 0, failed: 0, scheduled: 0 });
  });
});
