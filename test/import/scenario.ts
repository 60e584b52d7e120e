// The Torale data the import tests move: users (one the gateway already knows by Clerk id, one
// disabled), keys (live and revoked), tasks covering each conversion, their runs (finished,
// failed, in flight, old string sources), webhook deliveries, templates, waitlist, connectors.
import { randomUUID } from 'node:crypto';
import {
  addExecution,
  addKey,
  addTask,
  addUser,
  emailNotification,
  type ToraleDb,
  webhookNotification,
} from './torale-fixture.js';

export type Scenario = Awaited<ReturnType<typeof seedScenario>>;

export async function seedScenario(t: ToraleDb) {
  const alice = await addUser(t, {
    webhookUrl: 'https://hooks.example.com/alice',
    webhookSecret: 'alice-default-secret',
    username: 'alice',
  });
  const bob = await addUser(t); // the gateway knows bob's Clerk id already (under its own id)
  const carol = await addUser(t, { isActive: false });
  const aliceKey = await addKey(t, alice.id);
  const aliceOldKey = await addKey(t, alice.id, false);
  const bobKey = await addKey(t, bob.id);

  const notifying = await addTask(t, alice.id, {
    notifications: [
      emailNotification('alerts@example.net'),
      webhookNotification('https://hooks.example.com/t1', { 'X-Team': 'ops' }),
    ],
    notification_channels: ['email', 'webhook'],
    notification_email: 'alerts@example.net',
    webhook_url: 'https://hooks.example.com/t1',
    webhook_secret: 'task-one-secret',
  });
  const paused = await addTask(t, alice.id, { state: 'paused', next_run: null });
  const legacyHook = await addTask(t, alice.id, {
    notifications: [{ type: 'webhook', url: 'http://legacy.example.com/hook', method: 'POST', headers: null }],
    notification_channels: ['webhook'],
    webhook_url: 'http://legacy.example.com/hook',
    webhook_secret: 'legacy-secret',
  });
  const oddOne = await addTask(t, alice.id, {
    search_query: null,
    condition_description: 'The price drops below 100',
    context: { project: 'atlas', depth: { a: [1, 2] } },
    attached_connector_slugs: ['notion'],
  });
  const overdue = await addTask(t, alice.id, { next_run: new Date(Date.now() - 86_400_000).toISOString() });
  const channelHook = await addTask(t, alice.id, {
    // No notification dicts, but Torale's delivery columns send to the user's default webhook.
    notification_channels: ['webhook'],
  });
  const bobPublic = await addTask(t, bob.id, { is_public: true, state: 'completed', next_run: null });
  const fork = await addTask(t, alice.id, { state: 'paused', next_run: null });
  await t.query('update tasks set forked_from_task_id = $1 where id = $2', [bobPublic.id, fork.id]);
  const carolTask = await addTask(t, carol.id);

  const met = await addExecution(t, notifying.id, { notification: 'The launch date is out', hoursAgo: 2 });
  const failed = await addExecution(t, notifying.id, { status: 'failed', hoursAgo: 3 });
  const inFlight = await addExecution(t, notifying.id, { status: 'running', hoursAgo: 0 });
  const oldStyle = await addExecution(t, overdue.id, {
    sources: ['https://apnews.com/x', { url: 'https://example.org/y', title: 'Example' }, 42],
    hoursAgo: 5,
  });
  const bobRun = await addExecution(t, bobPublic.id, { hoursAgo: 9 });
  await t.query('update tasks set last_execution_id = $1 where id = $2', [met, notifying.id]);
  await t.query('update tasks set last_execution_id = $1 where id = $2', [bobRun, bobPublic.id]);

  const delivered = randomUUID();
  const waiting = randomUUID();
  await t.query(
    `insert into webhook_deliveries (id, task_id, execution_id, webhook_url, payload, signature, http_status,
       attempt_number, delivered_at, failed_at, error_message, next_retry_at, created_at) values
     ($1, $3, $4, 'https://hooks.example.com/t1', '{"event_type":"task.condition_met"}', 'sig', 200, 1, now() - interval '2 hours', null, null, null, now() - interval '2 hours'),
     ($2, $3, $4, 'https://hooks.example.com/t1', '{"event_type":"task.condition_met"}', 'sig', 503, 2, null, null, 'HTTP 503', now() + interval '1 hour', now() - interval '2 hours')`,
    [delivered, waiting, notifying.id, met],
  );
  await t.query(
    `insert into task_templates (name, description, category, icon, search_query, condition_description)
     values ('Torale-only template', 'Only in Torale', 'Tech', '🛰️', 'Is it out?', 'It is out')`,
  );
  await t.query(
    `insert into waitlist (email, status) values ('w1@example.org', 'pending'), ('w2@example.org', 'invited')`,
  );
  await t.query(`insert into user_connectors (user_id, toolkit_slug, status) values ($1, 'notion', 'ACTIVE')`, [
    alice.id,
  ]);
  await t.query(
    `insert into notification_sends (user_id, task_id, recipient_email, notification_type, execution_id, status)
     values ($1, $2, 'alerts@example.net', 'email', $3, 'success')`,
    [alice.id, notifying.id, met],
  );
  await t.query(
    `insert into email_verifications (user_id, email, verification_code, verified, expires_at, verified_at) values
     ($1, 'alerts@example.net', '123456', true, now() - interval '1 day', now() - interval '1 day'),
     ($1, 'pending@example.net', '654321', false, now() + interval '10 minutes', null),
     ($1, 'stale@example.net', '111111', false, now() - interval '1 hour', null)`,
    [alice.id],
  );
  return {
    users: { alice, bob, carol },
    keys: { aliceKey, aliceOldKey, bobKey },
    tasks: { notifying, paused, legacyHook, oddOne, overdue, channelHook, bobPublic, fork, carolTask },
    executions: { met, failed, inFlight, oldStyle, bobRun },
    deliveries: { delivered, waiting },
  };
}
