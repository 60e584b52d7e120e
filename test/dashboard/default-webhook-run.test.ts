// End to end, as the no-auth dashboard drives it: a default webhook set in settings, a task
// created from the dashboard's dialog (no notifications), a run that meets its condition.
// The delivery goes to the default URL signed with the default secret, and the feeds and
// the notification history show it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { expectValidSignature, runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

describe.skipIf(!tpl)('default webhook, end to end', () => {
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    [tdb, agent, receiver] = await Promise.all([createTestDatabase(), startFakeAgent(), startWebhookReceiver()]);
    // Webhook retries 3 s apart, so a delivery can be seen waiting for its next attempt.
    t = await startApp(tdb, {
      env: runEnv(agent.url, { TORALE_RUN_RETRY_DELAY_SECONDS: '3' }),
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

  const deliveries = async () => (await rest(t.app, 'GET', '/api/v1/webhooks/deliveries?limit=10', {})).body;

  it('delivers to the default webhook, signed with its secret; feed, public feed and history show it', async () => {
    const saved = await rest(
      t.app,
      'PUT',
      '/api/v1/webhooks/config',
      {},
      { webhook_url: receiver.url, enabled: false },
    );
    expect(saved.status).toBe(200);
    const secret = saved.body.secret as string;
    const on = await rest(t.app, 'PUT', '/api/v1/webhooks/config', {}, { webhook_url: receiver.url, enabled: true });
    expect(on.body.enabled).toBe(true);

    agent.script.push({
      kind: 'answer',
      result: {
        evidence: 'Rockstar confirmed 26 May',
        sources: [{ url: 'https://example.com/gta', title: 'Rockstar' }],
        confidence: 0.95,
        next_run: null,
        notification: 'GTA VI comes out on 26 May',
      },
    });
    // TaskCreationDialog.tsx's body.
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks/',
      {},
      {
        search_query: 'Has Rockstar announced the GTA VI release date?',
        condition_description: 'Has Rockstar announced the GTA VI release date?',
        state: 'active',
        run_immediately: true,
        attached_connector_slugs: [],
      },
    );
    expect(created.status).toBe(200);
    expect(created.body.immediate_execution_error).toBeNull();
    expect(created.body.webhook_secret).toBeUndefined();
    const taskId = created.body.id as string;

    const hook = await waitFor('the webhook', async () => receiver.received[0]);
    expectValidSignature(hook.headers['x-torale-signature'], hook.body, secret);
    expect(JSON.parse(hook.body)).toMatchObject({
      event_type: 'task.condition_met',
      data: { task: { id: taskId }, execution: { notification: 'GTA VI comes out on 26 May' } },
    });

    const page = await waitFor('the delivery recorded', async () => {
      const b = await deliveries();
      return b[0]?.status === 'success' ? b : undefined;
    });
    expect(page).toHaveLength(1);
    expect(page[0]).toMatchObject({
      task_id: taskId,
      webhook_url: receiver.url,
      http_status_code: 200,
      attempts: 1,
      error_message: null,
      next_retry_at: null,
    });

    const feed = await rest(t.app, 'GET', '/api/v1/tasks/feed?limit=50', {});
    expect(feed.body).toHaveLength(1);
    expect(feed.body[0]).toMatchObject({
      task_id: taskId,
      notification: 'GTA VI comes out on 26 May',
      result: expect.objectContaining({ evidence: 'Rockstar confirmed 26 May' }),
      grounding_sources: [{ url: 'https://example.com/gta', title: 'Rockstar' }],
    });
    const sends = await rest(t.app, 'GET', '/api/v1/notifications/sends', {});
    expect(sends.body.sends).toEqual([
      expect.objectContaining({
        task_id: taskId,
        notification_type: 'webhook',
        recipient: receiver.url,
        status: 'success',
      }),
    ]);

    await rest(t.app, 'PATCH', `/api/v1/tasks/${taskId}/visibility`, {}, { is_public: true });
    const pub = await rest(t.app, 'GET', '/api/v1/public/feed?limit=50', {});
    expect(pub.body).toHaveLength(1);
    // A public task's findings are public (Torale's public feed shows them); where it is delivered is not.
    expect(pub.body[0]).toMatchObject({
      task_id: taskId,
      notification: 'GTA VI comes out on 26 May',
      result: expect.objectContaining({ evidence: 'Rockstar confirmed 26 May' }),
    });
    expect(pub.raw).not.toContain(receiver.url);
  });

  it('a delivery waiting for its retry is "retrying" with next_retry_at, then succeeds', async () => {
    receiver.received.length = 0;
    receiver.statuses.push(500);
    agent.script.push({
      kind: 'answer',
      result: { evidence: 'e', sources: [], confidence: 0.9, next_run: null, notification: 'Second run notified' },
    });
    const created = await rest(t.app, 'POST', '/api/v1/tasks', {}, { search_query: 'Second?', run_immediately: true });
    const taskId = created.body.id as string;
    const query = `/api/v1/webhooks/deliveries?task_id=${taskId}`;
    const waiting = await waitFor('the retry to be scheduled', async () => {
      const b = (await rest(t.app, 'GET', query, {})).body;
      const d = b[0];
      return d?.status === 'retrying' && d.next_retry_at ? d : undefined;
    });
    expect(waiting).toMatchObject({ attempts: 1, http_status_code: 500, error_message: 'HTTP 500' });
    expect(Date.parse(waiting.next_retry_at)).toBeGreaterThan(Date.parse(waiting.created_at));
    const done = await waitFor('the retry to succeed', async () => {
      const d = (await rest(t.app, 'GET', query, {})).body[0];
      return d?.status === 'success' ? d : undefined;
    });
    expect(done).toMatchObject({ attempts: 2, http_status_code: 200, next_retry_at: null, error_message: null });
  });
});
