// Auto-disable and exactly-once: a 410 Gone disables a task's webhook at once (REST and
// GraphQL show it, an email notice is recorded, later deliveries are not attempted) and
// saving the webhook turns it on again; a webhook failing for WEBHOOK_DISABLE_AFTER_HOURS is
// disabled as `failing`. Two gateway instances on one database make each scheduled attempt
// of each delivery exactly once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TaskWebhookStateDocument, TestWebhookDocument } from '../gql/graphql.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { gql } from '../helpers/gql.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { executeNow, notifyOnEveryRun, runEnv, waitFor, webhookTask } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

describe.skipIf(!tpl)('auto-disable', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  let t: TestApp;
  beforeAll(async () => {
    [tdb, agent, receiver] = await Promise.all([createTestDatabase(), startFakeAgent(), startWebhookReceiver()]);
    notifyOnEveryRun(agent);
    t = await startApp(tdb, {
      env: runEnv(agent.url, { WEBHOOK_RETRY_SCHEDULE_SECONDS: '0,1,1' }),
      jobs: true,
    });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await receiver?.close();
    await tdb?.drop();
  });

  const hookOf = async (taskId: string) =>
    (await rest(t.app, 'GET', `/api/v1/tasks/${taskId}`)).body.notifications.find(
      (n: { type: string }) => n.type === 'webhook',
    );
  const deliveriesOf = async (taskId: string) =>
    (await rest(t.app, 'GET', `/api/v1/tasks/${taskId}/webhook/deliveries`)).body.deliveries as {
      status: string;
      attempts: { status_code: number | null }[];
    }[];

  it('410 disables at once; REST and GraphQL show it; saving the webhook re-enables it', async () => {
    const taskId = await webhookTask(t.app, {}, receiver.url);
    expect(await hookOf(taskId)).toMatchObject({ disabled_at: null, disabled_reason: null });
    receiver.statuses.push(410);
    await executeNow(t.app, {}, taskId);
    const [d] = await waitFor('the delivery to fail', async () => {
      const l = await deliveriesOf(taskId);
      return l[0]?.status === 'failed' ? l : undefined;
    });
    expect(d!.attempts.map((a) => a.status_code)).toEqual([410]); // no retry after Gone
    const hook = await hookOf(taskId);
    expect(hook.disabled_reason).toBe('gone');
    expect(Date.parse(hook.disabled_at)).toBeGreaterThan(Date.now() - 60_000);
    const viaGql = await gql(t.app, TaskWebhookStateDocument, { id: taskId });
    expect(viaGql.data?.task?.notifications.find((n) => n.type === 'WEBHOOK')).toMatchObject({
      disabledReason: 'gone',
      disabledAt: hook.disabled_at,
    });
    // The owner is told by email (recorded as skipped: this gateway has no SMTP_URL).
    const notice = await t.database.db
      .selectFrom('email_sends')
      .selectAll()
      .where('task_id', '=', taskId)
      .where('kind', '=', 'webhook_disabled')
      .executeTakeFirstOrThrow();
    expect(notice).toMatchObject({ status: 'skipped', execution_id: null, recipient: 'test@example.com' });
    expect(notice.subject).toBe('Webhook disabled for "hook 1"');
    // …and the owner's security log shows it.
    const log = await rest(t.app, 'GET', '/auth/security-log');
    expect(log.status).toBe(200);
    expect(log.body.events.filter((e: { type: string }) => e.type === 'webhook.disabled')).toEqual([
      expect.objectContaining({ detail: `gone: task ${taskId}, ${receiver.url}`, api_key_id: null }),
    ]);

    // While disabled, a run's delivery is not attempted.
    const before = receiver.received.length;
    await executeNow(t.app, {}, taskId);
    await waitFor('the second delivery to end', async () => {
      const l = await deliveriesOf(taskId);
      return l.length === 2 && l[0]!.status === 'failed' ? l : undefined;
    });
    expect(receiver.received.length).toBe(before);

    // Saving the webhook turns it on again; the next run delivers.
    const saved = await rest(
      t.app,
      'PUT',
      `/api/v1/tasks/${taskId}`,
      {},
      {
        notifications: [{ type: 'webhook', url: receiver.url }],
      },
    );
    expect(saved.status, saved.raw).toBe(200);
    expect(saved.body.notifications[0]).toMatchObject({ disabled_at: null, disabled_reason: null });
    const again = await gql(t.app, TaskWebhookStateDocument, { id: taskId });
    expect(again.data?.task?.notifications[0]).toMatchObject({ disabledAt: null, disabledReason: null });
    await executeNow(t.app, {}, taskId);
    await waitFor('a delivered delivery', async () => (await deliveriesOf(taskId))[0]?.status === 'delivered');
  }, 40_000);

  it('a webhook failing for WEBHOOK_DISABLE_AFTER_HOURS is disabled as `failing`; a success in between resets it', async () => {
    const taskId = await webhookTask(t.app, {}, receiver.url);
    // Failing since six days ago (the default period is five days).
    await sql`update tasks set webhook_failing_since = now() - interval '6 days' where id = ${taskId}`.execute(
      tdb.database.db,
    );
    receiver.statuses.push(503);
    const ping = await gql(t.app, TestWebhookDocument, { taskId });
    expect(ping.data?.testWebhook).toMatchObject({ event: 'ping', status: 'FAILED', attempts: [{ statusCode: 503 }] });
    expect(await hookOf(taskId)).toMatchObject({ disabled_reason: 'failing' });

    const other = await webhookTask(t.app, {}, receiver.url);
    await sql`update tasks set webhook_failing_since = now() - interval '6 days' where id = ${other}`.execute(
      tdb.database.db,
    );
    const ok = await rest(t.app, 'POST', `/api/v1/tasks/${other}/webhook/test`);
    expect(ok.body.delivery.status).toBe('delivered');
    receiver.statuses.push(503);
    await rest(t.app, 'POST', `/api/v1/tasks/${other}/webhook/test`);
    expect(await hookOf(other)).toMatchObject({ disabled_at: null, disabled_reason: null });
  });
});

/** Answers 500 to the first two requests of each webhook-id, then 200; counts requests per (id, attempt). */
async function flakyReceiver() {
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      res.writeHead(n <= 2 ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!tpl)('two instances on one database', () => {
  it('each scheduled attempt of each delivery is made exactly once', async () => {
    const [tdb, agent, receiver] = await Promise.all([createTestDatabase(), startFakeAgent(), flakyReceiver()]);
    notifyOnEveryRun(agent);
    const env = runEnv(agent.url, { WEBHOOK_RETRY_SCHEDULE_SECONDS: '0,1,1' });
    const a = await startApp(tdb, { env, jobs: true, ownPool: true });
    const b = await startApp(tdb, { env, jobs: true, ownPool: true });
    try {
      const tasks: string[] = [];
      for (let i = 0; i < 8; i++) tasks.push(await webhookTask(i % 2 ? a.app : b.app, {}, receiver.url));
      for (const [i, id] of tasks.entries()) await executeNow(i % 2 ? b.app : a.app, {}, id);
      const db = tdb.database.db;
      await waitFor(
        '8 deliveries delivered',
        async () => {
          const r = await sql<{ n: number }>`
            select count(*)::int as n from notification_deliveries where status = 'delivered'`.execute(db);
          return r.rows[0]!.n === 8;
        },
        40_000,
      );
      // Both instances also race to run the same attempt of one pending delivery by hand.
      const raced = tasks[0]!;
      await sql`insert into notification_deliveries (id, task_id, channel, target, payload, event)
        values ('11111111-1111-4111-8111-111111111111', ${raced}, 'webhook', ${receiver.url}, '{}', 'ping')`.execute(
        db,
      );
      const job = { deliveryId: '11111111-1111-4111-8111-111111111111', attempt: 1, kind: 'final' as const };
      await Promise.all([a, b, a, b].map((x) => x.container.webhookDeliveries.deliver(job)));
      await new Promise((r) => setTimeout(r, 2500)); // anything extra would show up now

      expect(receiver.seen.size).toBe(9);
      const perDelivery = [...receiver.seen.entries()].filter(([id]) => !id.startsWith('1111'));
      expect(perDelivery.map(([, n]) => n)).toEqual(Array(8).fill(3));
      expect(receiver.seen.get('11111111-1111-4111-8111-111111111111')).toBe(1);
      const attempts = await sql<{ delivery_id: string; attempt: number; n: number }>`
        select delivery_id, attempt, count(*)::int as n from notification_attempts
        group by delivery_id, attempt`.execute(db);
      expect(attempts.rows).toHaveLength(8 * 3 + 1);
      expect(attempts.rows.every((r) => r.n === 1)).toBe(true);
      const made = [a, b].map((x) => x.container.webhookDeliveries.stats.attempts);
      console.log(`[webhooks] attempts per instance: ${made.join(' + ')}`);
      expect(made[0]! + made[1]!).toBe(8 * 3 + 1);
    } finally {
      await a.close();
      await b.close();
      await agent.close();
      await receiver.close();
      await tdb.drop();
    }
  }, 60_000);
});
