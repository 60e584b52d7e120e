// A disabled user's tasks stop: no scheduled run reaches the agent, a queued run is
// cancelled, webhook deliveries are held — and all of it resumes when the user is enabled.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { runEnv, waitFor } from './helpers.js';

const tpl = inject('pgTemplate');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!tpl)('a disabled owner', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    [tdb, agent, receiver] = await Promise.all([createTestDatabase(), startFakeAgent(), startWebhookReceiver()]);
    t = await startApp(tdb, {
      env: runEnv(agent.url, { TORALE_HELD_RECHECK_SECONDS: '1' }),
      jobs: true,
      ownPool: true,
    });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await receiver?.close();
    await tdb?.drop();
  });

  const setActive = (active: boolean) =>
    sql`update users set is_active = ${active} where clerk_user_id = 'user_noauth_dev'`.execute(tdb.database.db);
  const agentCallsFor = (taskId: string) =>
    agent.calls.filter((c) => c.method === 'message/send' && c.taskId === taskId);

  it('runs nothing, sends nothing while disabled, and resumes when enabled again', async () => {
    // Every check asks for the next one a second later and notifies.
    agent.fallback = {
      kind: 'answer',
      result: { evidence: 'still true', next_run: new Date(Date.now() + 1000).toISOString(), notification: 'ping' },
    };
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      {
        name: 'keeps running',
        search_query: 'q',
        run_immediately: true,
        notifications: [{ type: 'webhook', url: receiver.url }],
      },
    );
    expect(created.status).toBe(200);
    const id = created.body.id as string;
    await waitFor('the first run and its webhook', async () => receiver.received.length >= 1);

    await setActive(false);
    // A run may already be in flight at this moment; let it finish, then count.
    await sleep(1500);
    const callsWhileDisabled = agentCallsFor(id).length;
    const hooksWhileDisabled = receiver.received.length;
    // A run queued for the disabled owner is cancelled before it reaches the agent …
    const queued = await t.container.services.executions.runImmediately(
      (
        await t.database.db
          .selectFrom('users')
          .select('id')
          .where('clerk_user_id', '=', 'user_noauth_dev')
          .executeTakeFirstOrThrow()
      ).id,
      id,
    );
    expect(queued).toBeNull();
    // … and a webhook delivery recorded for them is held, not attempted.
    const exec = await t.database.db
      .selectFrom('task_executions')
      .select('id')
      .where('task_id', '=', id)
      .executeTakeFirstOrThrow();
    const held = await t.database.db
      .insertInto('notification_deliveries')
      .values({
        task_id: id,
        execution_id: exec.id,
        channel: 'webhook',
        target: receiver.url,
        payload: '{"held":true}',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.container.webhookDeliveries.queue.add(
      t.database.db,
      { deliveryId: held.id, attempt: 1, kind: 'scheduled' },
      { id: held.id },
    );
    await sleep(4000);
    expect(agentCallsFor(id).length).toBe(callsWhileDisabled);
    expect(receiver.received.length).toBe(hooksWhileDisabled);
    const cancelled = await t.database.db
      .selectFrom('task_executions')
      .select(['status', 'error_message'])
      .where('task_id', '=', id)
      .where('status', '=', 'cancelled')
      .execute();
    // Ours, and possibly one the schedule queued just before the owner was disabled.
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    for (const c of cancelled) expect(c.error_message).toBe("Cancelled: the task owner's account is disabled");
    const heldRow = await t.database.db
      .selectFrom('notification_deliveries')
      .select(['status', 'attempts'])
      .where('id', '=', held.id)
      .executeTakeFirstOrThrow();
    expect(heldRow).toEqual({ status: 'pending', attempts: 0 });

    // The dispatcher looks at a held task again every TORALE_HELD_RECHECK_SECONDS (1 s here).
    await setActive(true);
    await waitFor('a run after re-enabling', async () => agentCallsFor(id).length > callsWhileDisabled);
    await waitFor('the held webhook', async () => receiver.received.some((r) => r.body === '{"held":true}'));
  }, 30_000);
});
