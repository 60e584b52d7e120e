// Tasks that actually run: the job engine (pg-boss) asks a fake A2A agent on loopback,
// stores the answer, schedules the next run, and delivers signed webhooks to a receiver.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EMAIL_SKIPPED } from '../../src/notifications/emails.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { expectValidSignature, runEnv, waitFor } from './helpers.js';

const tpl = inject('pgTemplate');
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

describe.skipIf(!tpl)('runs', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    [tdb, agent, receiver] = await Promise.all([createTestDatabase(), startFakeAgent(), startWebhookReceiver()]);
    t = await startApp(tdb, { env: runEnv(agent.url), jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await receiver?.close();
    await tdb?.drop();
  });

  const executionsOf = async (id: string) => (await rest(t.app, 'GET', `/api/v1/tasks/${id}/executions`, {})).body;

  it('run_immediately runs once, stores the answer, schedules next_run, notifies once (signed); then runs again at next_run', async () => {
    agent.script.push(
      {
        kind: 'working',
        polls: 2,
        result: {
          evidence: 'Apple announced the event for September 9',
          sources: [{ url: 'https://example.com/apple', title: 'Apple' }],
          confidence: 0.93,
          next_run: inSeconds(3),
          notification: 'The next iPhone will be announced on September 9',
          topic: 'iphone-release',
        },
      },
      {
        kind: 'answer',
        result: { evidence: 'Still September 9', next_run: null, notification: null, confidence: 0.9 },
      },
    );
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      {
        name: 'iPhone',
        search_query: 'When is the next iPhone release?',
        condition_description: 'A specific date has been announced',
        run_immediately: true,
        notifications: [
          { type: 'email', address: 'me@example.com' },
          { type: 'webhook', url: receiver.url, headers: { 'X-Receiver-Token': 'abc' } },
        ],
      },
    );
    expect(created.status).toBe(200);
    const secret = created.body.webhook_secret as string;
    const id = created.body.id as string;

    const [first] = await waitFor('the first run', async () => {
      const list = await executionsOf(id);
      return list.length >= 1 && list[list.length - 1].status === 'success' ? list.slice(-1) : undefined;
    });
    expect(first.result).toMatchObject({ evidence: 'Apple announced the event for September 9', confidence: 0.93 });
    expect(first.notification).toBe('The next iPhone will be announced on September 9');
    expect(first.grounding_sources).toEqual([{ url: 'https://example.com/apple', title: 'Apple' }]);
    expect(first.completed_at).not.toBeNull();
    const task = (await rest(t.app, 'GET', `/api/v1/tasks/${id}`, {})).body;
    expect(task.last_known_state).toMatchObject({
      evidence: 'Apple announced the event for September 9',
      topic: 'iphone-release',
    });

    const hook = await waitFor('the webhook', async () => receiver.received[0]);
    expectValidSignature(hook.headers['x-torale-signature'], hook.body, secret);
    const event = JSON.parse(hook.body);
    // Torale's envelope (notifications/webhook.py build_webhook_payload): the execution's id, unix seconds.
    expect(event).toMatchObject({ id: first.id, event_type: 'task.condition_met', object: 'event', api_version: 'v1' });
    expect(Number.isInteger(event.created_at)).toBe(true);
    expect(event.data.task).toEqual({
      id,
      name: 'iPhone',
      search_query: 'When is the next iPhone release?',
      condition_description: 'A specific date has been announced',
    });
    expect(event.data.execution).toEqual({
      id: first.id,
      notification: 'The next iPhone will be announced on September 9',
      completed_at: first.completed_at,
    });
    expect(event.data.result).toEqual({
      answer: 'The next iPhone will be announced on September 9',
      grounding_sources: [{ url: 'https://example.com/apple', title: 'Apple' }],
    });
    expect(hook.headers['x-torale-delivery']).toBe(event.id);
    expect(hook.headers['x-torale-timestamp']).toMatch(/^\d+$/);
    expect(hook.headers['x-torale-event']).toBe('task.condition_met');
    expect(hook.headers['x-receiver-token']).toBe('abc');
    // The first run welcomes the account address (me@example.com is not verified); no SMTP_URL: recorded only.
    const email = await t.database.db
      .selectFrom('email_sends')
      .selectAll()
      .where('task_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(email).toMatchObject({
      kind: 'welcome',
      status: 'skipped',
      reason: EMAIL_SKIPPED,
      recipient: 'test@example.com',
      execution_id: first.id,
    });

    // At next_run it runs again; the agent answers next_run: null, which completes the task.
    const list = await waitFor(
      'the scheduled run',
      async () => {
        const l = await executionsOf(id);
        return l.length === 2 && l[0].status === 'success' ? l : undefined;
      },
      15_000,
    );
    expect(list[0].id).not.toBe(first.id);
    const after = (await rest(t.app, 'GET', `/api/v1/tasks/${id}`, {})).body;
    expect(after.state).toBe('completed');
    expect(after.next_run).toBeNull();
    expect(agent.calls.filter((c) => c.taskId === id)).toHaveLength(2);
    expect(receiver.received).toHaveLength(1);
    const metrics = await (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/torale_runs_total\{outcome="success"\} [2-9]/);
    expect(metrics).toContain('torale_agent_latency_seconds_count');
  }, 40_000);

  it('429 then 200: one retrying, then success, on the same execution', async () => {
    agent.script.push(
      { kind: 'status', status: 429 },
      { kind: 'answer', result: { evidence: 'ok', next_run: inSeconds(3600) } },
    );
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      { name: 'retry me', search_query: 'q', run_immediately: true },
    );
    const id = created.body.id as string;
    const seen = new Set<string>();
    const done = await waitFor('success after a retry', async () => {
      const l = await executionsOf(id);
      for (const e of l) seen.add(e.status);
      return l[0]?.status === 'success' ? l : undefined;
    });
    expect(done).toHaveLength(1);
    expect(seen.has('retrying')).toBe(true);
    const row = await t.database.db
      .selectFrom('task_executions')
      .select(['attempts'])
      .where('id', '=', done[0].id)
      .executeTakeFirstOrThrow();
    expect(row.attempts).toBe(2);
  }, 30_000);

  it('force-execute during a run: the old run ends cancelled and stays so', async () => {
    agent.script.push(
      {
        kind: 'answer',
        delayMs: 2500,
        result: { evidence: 'late answer from the old run', next_run: inSeconds(3600) },
      },
      { kind: 'answer', result: { evidence: 'the forced run', next_run: inSeconds(3600) } },
    );
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      { name: 'forced', search_query: 'q', run_immediately: true },
    );
    const id = created.body.id as string;
    await waitFor('the old run to reach the agent', async () => agent.calls.find((c) => c.taskId === id));
    const forced = await rest(t.app, 'POST', `/api/v1/tasks/${id}/execute?force=true`, {});
    expect(forced.status).toBe(200);
    await waitFor('the forced run', async () => {
      const l = await executionsOf(id);
      return l.find((e: { id: string; status: string }) => e.id === forced.body.id && e.status === 'success');
    });
    await new Promise((r) => setTimeout(r, 3000)); // the old run's answer arrives meanwhile
    const l = await executionsOf(id);
    const old = l.find((e: { id: string }) => e.id !== forced.body.id);
    expect(old.status).toBe('cancelled');
    expect(old.result).toBeNull();
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}`, {})).body.last_known_state.evidence).toBe('the forced run');
  }, 30_000);

  it('webhook 500, 500, then 200: three attempts, one delivery id, each attempt recorded', async () => {
    receiver.received.length = 0;
    receiver.statuses.push(500, 500);
    agent.script.push({
      kind: 'answer',
      result: { evidence: 'met', notification: 'Condition met', next_run: inSeconds(3600) },
    });
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      {
        name: 'webhook retries',
        search_query: 'q',
        run_immediately: true,
        notifications: [{ type: 'webhook', url: receiver.url }],
      },
    );
    await waitFor('three attempts', async () => receiver.received.length >= 3, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((r) => r.headers['x-torale-delivery']));
    expect(ids.size).toBe(1);
    for (const r of receiver.received)
      expectValidSignature(r.headers['x-torale-signature'], r.body, created.body.webhook_secret);
    const delivery = await waitFor('the delivery to be marked delivered', async () =>
      t.database.db
        .selectFrom('notification_deliveries')
        .selectAll()
        .where('task_id', '=', created.body.id)
        .where('status', '=', 'delivered')
        .executeTakeFirst(),
    );
    expect(delivery.attempts).toBe(3);
    const attempts = await t.database.db
      .selectFrom('notification_attempts')
      .select(['attempt', 'status_code'])
      .where('delivery_id', '=', delivery.id)
      .orderBy('attempt')
      .execute();
    expect(attempts).toEqual([
      { attempt: 1, status_code: 500 },
      { attempt: 2, status_code: 500 },
      { attempt: 3, status_code: 200 },
    ]);
  }, 40_000);

  it('pausing a task cancels its schedule; a manual run never removes it', async () => {
    const created = await rest(t.app, 'POST', '/api/v1/tasks', {}, { name: 'scheduled', search_query: 'q' });
    const id = created.body.id as string;
    // The schedule is the task's next_dispatch_at (the dispatcher starts a run then).
    const scheduled = () =>
      sql<{ n: number }>`select count(*)::int as n from tasks where id = ${id} and next_dispatch_at is not null`
        .execute(t.database.db)
        .then((r) => r.rows[0]?.n);
    expect(created.body.next_run).not.toBeNull();
    expect(await scheduled()).toBe(1);
    agent.script.push({ kind: 'answer', result: { evidence: 'manual', next_run: inSeconds(7200) } });
    await rest(t.app, 'POST', `/api/v1/tasks/${id}/execute`, {});
    await waitFor('the manual run', async () => (await executionsOf(id))[0]?.status === 'success');
    expect(await scheduled()).toBe(1);
    await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, {}, { state: 'paused' });
    expect(await scheduled()).toBe(0);
    expect((await rest(t.app, 'GET', `/api/v1/tasks/${id}`, {})).body.next_run).toBeNull();
    await rest(t.app, 'PUT', `/api/v1/tasks/${id}`, {}, { state: 'active' });
    expect(await scheduled()).toBe(1);
  }, 30_000);
});

describe.skipIf(!tpl)('runs: failures', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let t: TestApp;
  beforeAll(async () => {
    [tdb, agent] = await Promise.all([createTestDatabase(), startFakeAgent()]);
    t = await startApp(tdb, {
      env: runEnv(agent.url, { TORALE_AGENT_TIMEOUT_MS: '1500', TORALE_RUN_MAX_ATTEMPTS: '1' }),
      jobs: true,
      ownPool: true,
    });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await tdb?.drop();
  });

  it('a hanging agent: the execution fails by the timeout and the task stays scheduled', async () => {
    agent.script.push({ kind: 'hang' });
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      { name: 'hangs', search_query: 'q', run_immediately: true },
    );
    const id = created.body.id as string;
    const failed = await waitFor('the timeout', async () => {
      const l = (await rest(t.app, 'GET', `/api/v1/tasks/${id}/executions`, {})).body;
      return l[0]?.status === 'failed' ? l[0] : undefined;
    });
    expect(failed.error_message).toBe('Agent did not answer within 1500 ms');
    const task = (await rest(t.app, 'GET', `/api/v1/tasks/${id}`, {})).body;
    expect(task.state).toBe('active');
    expect(new Date(task.next_run).getTime()).toBeGreaterThan(Date.now());
    const scheduled = await sql<{ at: Date | null }>`select next_dispatch_at as at from tasks where id = ${id}`.execute(
      t.database.db,
    );
    expect(scheduled.rows[0]?.at?.getTime()).toBe(new Date(task.next_run).getTime());
  }, 20_000);
});

describe.skipIf(!tpl)('runs: no agent configured', () => {
  it('an execution fails at once with a clear error', async () => {
    const tdb = await createTestDatabase();
    const t = await startApp(tdb, {
      env: { ...runEnv('http://unused'), TORALE_AGENT_URL: '' },
      jobs: true,
      ownPool: true,
    });
    try {
      const created = await rest(t.app, 'POST', '/api/v1/tasks', {}, { search_query: 'q', run_immediately: true });
      const failed = await waitFor('the failure', async () => {
        const l = (await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}/executions`, {})).body;
        return l[0]?.status === 'failed' ? l[0] : undefined;
      });
      expect(failed.error_message).toBe('No monitoring agent is configured (TORALE_AGENT_URL is not set)');
    } finally {
      await t.close();
      await tdb.drop();
    }
  }, 20_000);
});
