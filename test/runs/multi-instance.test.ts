// Runs across gateway instances: 50 due tasks on two engines run exactly once each; a
// gateway process killed mid-run has its run finished by another, notified once, and the
// dead run's late write is rejected by its stale run token.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { killGatewayProcesses, startGatewayProcess } from '../helpers/gateway-process.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { runEnv, waitFor } from './helpers.js';

const tpl = inject('pgTemplate');
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe.skipIf(!tpl)('two engines, 50 due tasks', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    agent.fallback = { kind: 'answer', delayMs: 50, result: { evidence: 'ok', next_run: inSeconds(3600) } };
    const env = runEnv(agent.url);
    a = await startApp(tdb, { env, jobs: true, ownPool: true });
    b = await startApp(tdb, { env, jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await agent?.close();
    await tdb?.drop();
  });

  it('every due run executes exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const r = await rest(i % 2 ? a.app : b.app, 'POST', '/api/v1/tasks', {}, { name: `due ${i}`, search_query: 'q' });
      expect(r.status).toBe(200);
      ids.push(r.body.id);
    }
    // Make all 50 due now, on both instances' engines at once.
    await sql`update tasks set next_run = now(), next_dispatch_at = now()`.execute(tdb.database.db);
    await waitFor(
      '50 successful runs',
      async () => {
        const r = await sql<{
          n: number;
        }>`select count(*)::int as n from task_executions where status = 'success'`.execute(tdb.database.db);
        return (r.rows[0]?.n ?? 0) >= 50;
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1500)); // anything extra would show up now
    const rows = await sql<{ task_id: string; n: number }>`
      select task_id, count(*)::int as n from task_executions group by task_id`.execute(tdb.database.db);
    expect(rows.rows).toHaveLength(50);
    expect(rows.rows.every((r) => r.n === 1)).toBe(true);
    expect(agent.calls.filter((c) => ids.includes(c.taskId ?? ''))).toHaveLength(50);
    const ranOn = [a, b].map((x) => x.container.runs.stats.outcomes.success ?? 0);
    console.log(`[multi-instance] successes per instance: ${ranOn.join(' + ')}`);
    expect(ranOn[0]! + ranOn[1]!).toBe(50);
  }, 60_000);
});

describe.skipIf(!tpl)('a gateway process killed mid-run', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  let survivor: TestApp | undefined;
  beforeAll(async () => {
    [tdb, agent, receiver] = await Promise.all([createTestDatabase(), startFakeAgent(), startWebhookReceiver()]);
  });
  afterAll(async () => {
    killGatewayProcesses();
    await survivor?.close();
    await agent?.close();
    await receiver?.close();
    await tdb?.drop();
  });

  it('the run completes on the other instance, notifies once, and the dead run cannot write', async () => {
    const env = runEnv(agent.url);
    const doomed = await startGatewayProcess({
      env: { ...env, DATABASE_URL: tdb.url!, LOG_LEVEL: 'warn' },
      ready: '/readyz',
      timeoutMs: 30_000,
    });
    const base = doomed.url;

    // The first agent call never answers: the doomed process is stuck in it when killed.
    agent.script.push({ kind: 'hang' });
    agent.fallback = {
      kind: 'answer',
      result: { evidence: 'finished by the survivor', notification: 'Condition met', next_run: inSeconds(3600) },
    };
    const created = await (
      await fetch(`${base}/api/v1/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'survives',
          search_query: 'q',
          run_immediately: true,
          notifications: [{ type: 'webhook', url: receiver.url }],
        }),
      })
    ).json();
    await waitFor('the doomed run to reach the agent', async () => agent.calls.find((c) => c.taskId === created.id));
    const stale = await tdb.database.db
      .selectFrom('task_executions')
      .select(['id', 'run_token', 'status'])
      .where('task_id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(stale.status).toBe('running');
    await doomed.stop('SIGKILL');

    survivor = await startApp(tdb, { env, jobs: true, ownPool: true });
    const done = await waitFor(
      'the survivor to finish the run',
      async () => {
        const e = await tdb.database.db
          .selectFrom('task_executions')
          .selectAll()
          .where('id', '=', stale.id)
          .executeTakeFirst();
        return e?.status === 'success' ? e : undefined;
      },
      30_000,
    );
    expect(done.run_token).not.toBe(stale.run_token);
    expect(done.result).toMatchObject({ evidence: 'finished by the survivor' });
    await waitFor('the webhook', async () => receiver.received.length >= 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.received).toHaveLength(1);

    // What the dead run would have written when its agent call returned: refused.
    const late = await tdb.database.db
      .updateTable('task_executions')
      .set({ status: 'success', result: JSON.stringify({ evidence: 'late write from the dead run' }) })
      .where('id', '=', stale.id)
      .where('run_token', '=', stale.run_token)
      .where('status', '=', 'running')
      .executeTakeFirst();
    expect(late.numUpdatedRows).toBe(0n);
    const final = await rest(survivor.app, 'GET', `/api/v1/tasks/${created.id}/executions`, {});
    expect(final.body).toHaveLength(1);
    expect(final.body[0].result.evidence).toBe('finished by the survivor');
  }, 90_000);
});

describe.skipIf(!tpl)('an API-only instance (TORALE_RUNNER=0)', () => {
  it('queues runs that a worker instance executes', async () => {
    const [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    agent.fallback = { kind: 'answer', result: { evidence: 'run by the worker', next_run: inSeconds(3600) } };
    const apiOnly = await startApp(tdb, { env: runEnv(agent.url, { TORALE_RUNNER: '0' }), jobs: true, ownPool: true });
    const worker = await startApp(tdb, { env: runEnv(agent.url), jobs: true, ownPool: true });
    try {
      expect(apiOnly.container.engine.working).toBe(false);
      const created = await rest(
        apiOnly.app,
        'POST',
        '/api/v1/tasks',
        {},
        { search_query: 'q', run_immediately: true },
      );
      const done = await waitFor('the worker to run it', async () => {
        const l = (await rest(apiOnly.app, 'GET', `/api/v1/tasks/${created.body.id}/executions`, {})).body;
        return l[0]?.status === 'success' ? l[0] : undefined;
      });
      expect(done.result.evidence).toBe('run by the worker');
      // The worker counts its run once the outcome has committed, a moment after the row shows it.
      await waitFor('the worker to count its run', async () => worker.container.runs.stats.outcomes.success === 1);
      expect(apiOnly.container.runs.stats.outcomes).toEqual({});
    } finally {
      await apiOnly.close();
      await worker.close();
      await agent.close();
      await tdb.drop();
    }
  }, 30_000);
});
