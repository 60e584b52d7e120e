// Webhook bodies and headers exactly as Torale sends them (notifications/webhook.py:
// build_webhook_payload, WebhookDeliveryService.deliver), so receivers written for Torale —
// its agent skill reads data.context.action, data.execution.notification and data.result —
// work unchanged. A run's delivery, a task's test ping and the default webhook's test share
// the one envelope.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ExecutionRow } from '../../src/db/types.js';
import { conditionMetEvent, defaultWebhookTestEvent, pingEvent } from '../../src/webhooks/webhook-events.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { rest } from '../helpers/rest.js';
import { type Received, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

/** Torale's WebhookPayload keys, and its data keys (context only when the task has one). */
const ENVELOPE_KEYS = ['api_version', 'created_at', 'data', 'event_type', 'id', 'object'];
const DATA_KEYS = ['execution', 'result', 'task'];
const keys = (o: object) => Object.keys(o).sort();

/** Torale's WebhookSignature.verify: `t=<ts>,v1=<hex>` of `{ts}.{body}`, keyed by the secret's UTF-8. */
function toraleVerify(body: string, header: string, secret: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex') === parts.v1;
}

const execution = (over: Partial<ExecutionRow>): ExecutionRow => ({
  id: '00000000-0000-4000-8000-000000000001',
  task_id: '00000000-0000-4000-8000-000000000002',
  status: 'success',
  started_at: new Date('2026-12-07T10:00:00Z'),
  completed_at: new Date('2026-12-07T10:00:05Z'),
  result: { evidence: 'the evidence', notification: null },
  error_message: null,
  notification: null,
  grounding_sources: [],
  created_at: new Date('2026-12-07T10:00:00Z'),
  ...over,
});
const task = { id: 't1', name: 'n', search_query: 'q', condition_description: 'c', context: null };

describe('the envelope (webhook-events.ts)', () => {
  it('answer is the notification, else the evidence; sources keep url and title only', () => {
    const met = conditionMetEvent(
      task,
      execution({
        notification: 'it happened',
        grounding_sources: [{ url: 'https://a.example/x', title: 'a.example', extra: 1 } as never],
      }),
    );
    expect(met.id).toBe('00000000-0000-4000-8000-000000000001');
    expect(met.data.result).toEqual({
      answer: 'it happened',
      grounding_sources: [{ url: 'https://a.example/x', title: 'a.example' }],
    });
    expect(met.data.execution).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      notification: 'it happened',
      completed_at: '2026-12-07T10:00:05.000Z',
    });
    const quiet = conditionMetEvent(task, execution({ notification: null, completed_at: null }));
    expect(quiet.data.result.answer).toBe('the evidence');
    expect(quiet.data.execution).toMatchObject({ notification: '', completed_at: '' });
  });

  it('carries the task context only when it has keys, as Torale leaves out an empty one', () => {
    expect(conditionMetEvent({ ...task, context: {} }, execution({})).data).not.toHaveProperty('context');
    expect(conditionMetEvent(task, execution({})).data).not.toHaveProperty('context');
    expect(conditionMetEvent({ ...task, context: { action: 'tweet' } }, execution({})).data.context).toEqual({
      action: 'tweet',
    });
    expect(pingEvent({ ...task, context: { action: 'tweet' } }).data.context).toEqual({ action: 'tweet' });
  });

  it('every kind has Torale keys, event type and integer unix seconds', () => {
    for (const e of [conditionMetEvent(task, execution({})), pingEvent(task), defaultWebhookTestEvent()]) {
      expect(keys(e)).toEqual(ENVELOPE_KEYS);
      expect(keys(e.data)).toEqual(DATA_KEYS);
      expect(e).toMatchObject({ event_type: 'task.condition_met', object: 'event', api_version: 'v1' });
      expect(Number.isInteger(e.created_at)).toBe(true);
      expect(Math.abs(e.created_at - Date.now() / 1000)).toBeLessThan(5);
    }
    expect(pingEvent(task).id).toMatch(/^test_[0-9a-f]{16}$/);
    expect(defaultWebhookTestEvent().data.task).toEqual({
      id: 'test_task_id',
      name: 'Test Task',
      search_query: 'Test query',
      condition_description: 'Test condition',
    });
  });
});

describe.skipIf(!tpl)('webhooks on the wire, as the Torale skill receives them', () => {
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

  /** Torale's headers, beside the Standard Webhooks ones; X-Torale-Delivery is the body's id. */
  function expectToraleHeaders(r: Received, body: { id: string }, secret: string) {
    expect(r.method).toBe('POST');
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['user-agent']).toBe('Torale-Webhooks/1.0');
    expect(r.headers['x-torale-event']).toBe('task.condition_met');
    expect(r.headers['x-torale-delivery']).toBe(body.id);
    const signature = String(r.headers['x-torale-signature']);
    expect(signature).toBe(`t=${r.headers['x-torale-timestamp']},v1=${signature.split('v1=')[1]}`);
    expect(toraleVerify(r.body, signature, secret)).toBe(true);
    expect(r.headers['webhook-id']).toEqual(expect.any(String));
    expect(r.headers['webhook-timestamp']).toBe(r.headers['x-torale-timestamp']);
  }

  it("a run's webhook: the skill's create (context, a custom header) → the body and headers Torale sends", async () => {
    agent.script.push({
      kind: 'answer',
      result: {
        evidence: 'Apple set the date in a press release',
        sources: ['https://www.apple.com/newsroom/x', 'https://example.org/y'],
        notification: 'iPhone 17 announced for September 9',
        next_run: new Date(Date.now() + 3600_000).toISOString(),
        confidence: 90,
      },
    });
    const context = { source: 'claude-code', original_prompt: 'tell me', action: 'draft a tweet' };
    // The skill's request, verbatim in shape: no trailing slash, headers on the webhook.
    const created = await rest(
      t.app,
      'POST',
      '/api/v1/tasks',
      {},
      {
        name: 'iPhone 17',
        search_query: 'When is iPhone 17 announced?',
        condition_description: 'A date is announced',
        run_immediately: true,
        notifications: [{ type: 'webhook', url: receiver.url, headers: { Authorization: 'Bearer receiver-token' } }],
        context,
      },
    );
    expect(created.status, created.raw).toBe(200);
    const r = await waitFor('the webhook', async () => receiver.received[0]);
    const body = JSON.parse(r.body);
    const [run] = (await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}/executions`, {})).body;
    expect(keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body).toMatchObject({ id: run.id, event_type: 'task.condition_met', object: 'event', api_version: 'v1' });
    expect(Number.isInteger(body.created_at)).toBe(true);
    expect(body.data).toEqual({
      task: {
        id: created.body.id,
        name: 'iPhone 17',
        search_query: 'When is iPhone 17 announced?',
        condition_description: 'A date is announced',
      },
      execution: { id: run.id, notification: 'iPhone 17 announced for September 9', completed_at: run.completed_at },
      result: {
        answer: 'iPhone 17 announced for September 9',
        grounding_sources: [
          { url: 'https://www.apple.com/newsroom/x', title: 'www.apple.com' },
          { url: 'https://example.org/y', title: 'example.org' },
        ],
      },
      context,
    });
    expectToraleHeaders(r, body, created.body.webhook_secret);
    expect(r.headers.authorization).toBe('Bearer receiver-token');

    // A task's test ping: the same envelope, the task as it is, a made-up run.
    receiver.received.length = 0;
    const ping = await rest(t.app, 'POST', `/api/v1/tasks/${created.body.id}/webhook/test`, {});
    expect(ping.status, ping.raw).toBe(200);
    expect(ping.body.delivery).toMatchObject({ event: 'ping', status: 'delivered' });
    const pinged = receiver.received[0]!;
    const pingBody = JSON.parse(pinged.body);
    expect(keys(pingBody)).toEqual(ENVELOPE_KEYS);
    expect(pingBody.data).toEqual({
      task: body.data.task,
      execution: { id: 'test_execution_id', notification: 'Test notification text', completed_at: expect.any(String) },
      result: { answer: 'Test answer', grounding_sources: [] },
      context,
    });
    expectToraleHeaders(pinged, pingBody, created.body.webhook_secret);
    expect(pinged.headers['webhook-id']).toBe(ping.body.delivery.id);
  });

  it("the default webhook's test: Torale's test envelope and headers", async () => {
    receiver.received.length = 0;
    const res = await rest(
      t.app,
      'POST',
      '/api/v1/webhooks/test',
      {},
      {
        webhook_url: receiver.url,
        webhook_secret: 'given-secret',
      },
    );
    expect(res.status, res.raw).toBe(200);
    const r = receiver.received[0]!;
    const body = JSON.parse(r.body);
    expect(keys(body)).toEqual(ENVELOPE_KEYS);
    expect(body.id).toMatch(/^test_[0-9a-f]{16}$/);
    expect(body.data).toEqual({
      task: {
        id: 'test_task_id',
        name: 'Test Task',
        search_query: 'Test query',
        condition_description: 'Test condition',
      },
      execution: { id: 'test_execution_id', notification: 'Test notification text', completed_at: expect.any(String) },
      result: { answer: 'Test answer', grounding_sources: [] },
    });
    expectToraleHeaders(r, body, 'given-secret');
  });
});
