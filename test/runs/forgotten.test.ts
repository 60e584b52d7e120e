// No task is silently forgotten: an active task with neither a schedule (next_dispatch_at
// null) nor a live run — what an import, a restored backup or a hand edit leaves — is found
// by the sweep (and at start-up), scheduled at its next_run (now when unset), and counted.
// Two instances starting together on 2,000 such tasks run each exactly once.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { type Container, createContainer } from '../../src/container.js';
import { engineOptions, PgBossEngine } from '../../src/engine/pg-boss-engine.js';
import { createLogger } from '../../src/lib/logger.js';
import { scheduleForgotten } from '../../src/runs/runs.repository.js';
import { startApp, TEST_ENV, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { runEnv, waitFor } from './helpers.js';

const tpl = inject('pgTemplate');
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function newUser(tdb: TestDatabase, clerkUserId: string): Promise<string> {
  const { rows } = await sql<{ id: string }>`
    insert into users (clerk_user_id, email) values (${clerkUserId}, ${`${clerkUserId}@example.com`})
    on conflict (clerk_user_id) do update set email = excluded.email returning id`.execute(tdb.database.db);
  return rows[0]!.id;
}

describe.skipIf(!tpl)('the sweep finds forgotten tasks', () => {
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

  it('schedules active tasks with no schedule and no live run, at next_run or now; leaves every other task alone', async () => {
    const db = tdb.database.db;
    const userId = await newUser(tdb, 'user_forgotten_1');
    const { rows } = await sql<{ id: string; name: string }>`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run, next_dispatch_at) values
        (${userId}, 'past next_run', 'q', 'c', 'active', now() - interval '2 days', null),
        (${userId}, 'future next_run', 'q', 'c', 'active', now() + interval '3 hours', null),
        (${userId}, 'no next_run', 'q', 'c', 'active', null, null),
        (${userId}, 'running', 'q', 'c', 'active', now(), null),
        (${userId}, 'paused', 'q', 'c', 'paused', null, null),
        (${userId}, 'completed', 'q', 'c', 'completed', null, null),
        (${userId}, 'scheduled', 'q', 'c', 'active', now() + interval '1 hour', now() + interval '1 hour')
      returning id, name`.execute(db);
    const id = (name: string) => rows.find((r) => r.name === name)!.id;
    await sql`insert into task_executions (task_id, status) values (${id('running')}, 'running')`.execute(db);
    const before = await db.selectFrom('tasks').select(['id', 'next_dispatch_at']).execute();

    const result = await c.runs.sweep();
    expect(result).toEqual({ requeued: 0, failed: 0, scheduled: 3 });
    expect(c.runs.stats.forgottenScheduled).toBe(3);

    const after = await sql<{ name: string; next_dispatch_at: Date | null; next_run: Date | null; fresh: boolean }>`
      select name, next_dispatch_at, next_run, next_dispatch_at >= now() - interval '1 minute' as fresh
      from tasks`.execute(db);
    const row = (name: string) => after.rows.find((r) => r.name === name)!;
    expect(row('past next_run').next_dispatch_at).toEqual(row('past next_run').next_run);
    expect(row('future next_run').next_dispatch_at).toEqual(row('future next_run').next_run);
    expect(row('no next_run').next_dispatch_at).not.toBeNull();
    expect(row('no next_run').fresh).toBe(true);
    for (const name of ['running', 'paused', 'completed']) expect(row(name).next_dispatch_at).toBeNull();
    const scheduledBefore = before.find((r) => r.id === id('scheduled'))!.next_dispatch_at;
    expect(row('scheduled').next_dispatch_at).toEqual(scheduledBefore);

    // Found once: the next sweep has nothing to do.
    expect(await c.runs.sweep()).toEqual({ requeued: 0, failed: 0, scheduled: 0 });
    expect(c.runs.stats.forgottenScheduled).toBe(3);
  });

  it('sweeps racing on 3,000 forgotten tasks schedule each exactly once between them', async () => {
    const db = tdb.database.db;
    const userId = await newUser(tdb, 'user_forgotten_2');
    await sql`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run)
      select ${userId}, 'race ' || g, 'q', 'c', 'active', now() + make_interval(mins => g)
      from generate_series(1, 3000) g`.execute(db);
    const pools = await Promise.all([tdb.open(), tdb.open(), tdb.open()]);
    try {
      const sweeps = await Promise.all(
        [tdb.database, ...pools].map(async (d) => {
          const ids: string[] = [];
          for (;;) {
            const batch = await scheduleForgotten(d.db, 250);
            ids.push(...batch);
            if (batch.length < 250) return ids;
          }
        }),
      );
      const all = sweeps.flat();
      expect(all).toHaveLength(3000);
      expect(new Set(all).size).toBe(3000);
      const left = await sql<{ n: number }>`
        select count(*)::int as n from tasks where name like 'race %' and next_dispatch_at is null`.execute(db);
      expect(left.rows[0]?.n).toBe(0);
    } finally {
      for (const p of pools) await p.close();
    }
  });
});

describe.skipIf(!tpl)('2,000 forgotten active tasks, two instances starting together', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    agent.fallback = { kind: 'answer', result: { evidence: 'ok', next_run: inSeconds(3600) } };
    const userId = await newUser(tdb, 'user_noauth_dev');
    // As an import leaves them: active, next_run in the past, now or unset, no schedule.
    await sql`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run, next_dispatch_at)
      select ${userId}, 'forgotten ' || g, 'q', 'c', 'active',
             case g % 3 when 0 then null when 1 then now() - interval '1 day' else now() end, null
      from generate_series(1, 2000) g`.execute(tdb.database.db);
    // Controls: not active, or scheduled an hour from now — none of these may run.
    await sql`
      insert into tasks (user_id, name, search_query, condition_description, state, next_run, next_dispatch_at)
      select ${userId}, 'control ' || g, 'q', 'c', case g % 3 when 0 then 'paused' when 1 then 'completed' else 'active' end,
             case when g % 3 = 2 then now() + interval '1 hour' end,
             case when g % 3 = 2 then now() + interval '1 hour' end
      from generate_series(1, 300) g`.execute(tdb.database.db);
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await agent?.close();
    await tdb?.drop();
  });

  it('every one runs exactly once, each counted once between the instances; no control runs', async () => {
    const started = performance.now();
    const env = runEnv(agent.url, { MAX_TASKS_PER_USER: '5000', TORALE_AGENT_TIMEOUT_MS: '20000' });
    apps.push(
      ...(await Promise.all([
        startApp(tdb, { env, jobs: true, ownPool: true }),
        startApp(tdb, { env, jobs: true, ownPool: true }),
      ])),
    );
    const db = tdb.database.db;
    // Finished = the run reached the agent and ended (on a loaded machine an agent call may
    // time out on every attempt: that run failed, but it ran).
    const finished = async () =>
      (
        await sql<{ n: number }>`
          select count(*)::int as n from task_executions e join tasks t on t.id = e.task_id
          where e.status in ('success', 'failed') and t.name like 'forgotten %'`.execute(db)
      ).rows[0]!.n;
    // A deadline for a loaded machine, not a speed claim: the time taken is printed.
    await waitFor('2,000 finished runs of forgotten tasks', async () => (await finished()) >= 2000, 240_000);
    const doneS = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would show up now
    const perTask = await sql<{ name: string; n: number }>`
      select t.name, count(e.id)::int as n from tasks t left join task_executions e on e.task_id = t.id
      group by t.name`.execute(db);
    const forgotten = perTask.rows.filter((r) => r.name.startsWith('forgotten '));
    expect(forgotten).toHaveLength(2000);
    expect(forgotten.filter((r) => r.n !== 1)).toEqual([]);
    expect(perTask.rows.filter((r) => r.name.startsWith('control ') && r.n > 0)).toEqual([]);
    const ids = await db.selectFrom('tasks').select('id').where('name', 'like', 'forgotten %').execute();
    const called = new Set(agent.calls.map((c) => c.taskId));
    expect(ids.filter((t) => !called.has(t.id))).toEqual([]);
    const counted = apps.map((a) => a.container.runs.stats.forgottenScheduled);
    console.log(
      `[forgotten] 2,000 forgotten tasks ran ${doneS.toFixed(1)} s after two instances started; scheduled per instance ${counted.join(' + ')}`,
    );
    expect(counted[0]! + counted[1]!).toBe(2000);
    const metrics = await apps[0]!.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(new RegExp(`^torale_tasks_forgotten_scheduled_total ${counted[0]}$`, 'm'));
    // Each is scheduled again at the time its run asked for.
    const unscheduled = await sql<{ n: number }>`
      select count(*)::int as n from tasks where name like 'forgotten %'
        and (next_dispatch_at is null or next_dispatch_at < now())`.execute(db);
    expect(unscheduled.rows[0]?.n).toBe(0);
  }, 300_000);
});
