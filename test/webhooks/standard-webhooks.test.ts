// Task webhooks a receiver verifies with the official `standardwebhooks` package: every
// delivery (runs, retries, replays, test pings) verifies, a stale replay does not; secret
// rotation signs with both secrets during the overlap, then only the new one; a receiver
// answering 500, 500, 200 sees one webhook-id over three attempts, all listed (REST and
// GraphQL), and a replay adds a fourth with the same id. Only the owner sees or acts.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  ReplayWebhookDeliveryDocument,
  RotateWebhookSecretDocument,
  TestWebhookDocument,
  WebhookDeliveriesDocument,
} from '../gql/graphql.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { type ClerkGateway, startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { codeOf, gql } from '../helpers/gql.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { type Received, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { executeNow, expectValidSignature, notifyOnEveryRun, runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');
const OVERLAP_SECONDS = 7.2;

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { id: string; event_type: string };
const verifies = (secret: string, r: Received) => {
  try {
    verify(secret, r);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!tpl)('Standard Webhooks on task webhooks', () => {
  let g: ClerkGateway;
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [agent, receiver] = await Promise.all([startFakeAgent(), startWebhookReceiver()]);
    notifyOnEveryRun(agent);
    g = await startClerkGateway({
      jobs: true,
      env: runEnv(agent.url, {
        WEBHOOK_RETRY_SCHEDULE_SECONDS: '0,1,1',
        WEBHOOK_SECRET_OVERLAP_HOURS: String(OVERLAP_SECONDS / 3600),
      }),
    });
  });
  afterAll(async () => {
    await stopClerkGateway(g);
    await agent?.close();
    await receiver?.close();
  });

  const app = () => g.t.app;
  let seq = 0;
  async function hookTask(headers: Record<string, string> = {}): Promise<{ id: string; secret: string }> {
    const res = await rest(app(), 'POST', '/api/v1/tasks', headers, {
      name: `std ${++seq}`,
      search_query: 'q',
      notifications: [{ type: 'webhook', url: receiver.url }],
    });
    expect(res.status, res.raw).toBe(200);
    expect(res.body.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    return { id: res.body.id, secret: res.body.webhook_secret };
  }
  const deliveries = async (taskId: string) => {
    const res = await rest(app(), 'GET', `/api/v1/tasks/${taskId}/webhook/deliveries`);
    expect(res.status, res.raw).toBe(200);
    return res.body as { deliveries: { id: string; status: string; attempts: { status_code: number }[] }[] };
  };
  const requestsOf = (id: string) => receiver.received.filter((r) => r.headers['webhook-id'] === id);

  it('every delivery verifies with the standardwebhooks package; a stale replay of one does not', async () => {
    const task = await hookTask();
    const executionId = await executeNow(app(), {}, task.id);
    const {
      deliveries: [d],
    } = await waitFor('the delivery', async () => {
      const page = await deliveries(task.id);
      return page.deliveries[0]?.status === 'delivered' ? page : undefined;
    });
    const [run] = requestsOf(d!.id);
    expect(run, 'a request with webhook-id = the delivery id').toBeDefined();
    const payload = verify(task.secret, run!);
    // The body's id is the run's (Torale's event id); webhook-id is the delivery's.
    expect(payload).toMatchObject({ id: executionId, event_type: 'task.condition_met' });
    expect(run!.headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(run!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expectValidSignature(run!.headers['x-torale-signature'], run!.body, task.secret);

    // A test ping is signed the same way.
    const ping = await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/test`);
    expect(ping.status, ping.raw).toBe(200);
    expect(ping.body.delivery).toMatchObject({ event: 'ping', status: 'delivered', next_attempt_at: null });
    expect(ping.body.delivery.attempts).toEqual([
      { at: expect.any(String), status_code: 200, duration_ms: expect.any(Number), error: null },
    ]);
    // In the envelope every delivery has: the task as it is, a made-up run (a `test_` id).
    expect(verify(task.secret, requestsOf(ping.body.delivery.id)[0]!)).toMatchObject({
      id: expect.stringMatching(/^test_[0-9a-f]{16}$/),
      event_type: 'task.condition_met',
      data: { task: { id: task.id }, execution: { id: 'test_execution_id' } },
    });

    // The same request sent again six minutes later (a captured delivery replayed): refused.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 6 * 60_000);
      expect(() => verify(task.secret, run!)).toThrow(/too old/i);
    } finally {
      vi.useRealTimers();
    }
    // And a body changed in transit: refused.
    expect(verifies(task.secret, { ...run!, body: run!.body.replace('condition_met', 'condition_mot') })).toBe(false);
  }, 30_000);

  it('rotation: both secrets verify during the overlap, only the new one after it', async () => {
    const task = await hookTask();
    const rotated = await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/rotate-secret`);
    expect(rotated.status, rotated.raw).toBe(200);
    expect(Object.keys(rotated.body)).toEqual(['webhook_secret']);
    const fresh = rotated.body.webhook_secret as string;
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(fresh).not.toBe(task.secret);

    const during = await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/test`);
    expect(during.body.delivery.status).toBe('delivered');
    const r1 = requestsOf(during.body.delivery.id)[0]!;
    expect(String(r1.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(String(r1.headers['x-torale-signature'])).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifies(task.secret, r1), 'a receiver holding only the old secret').toBe(true);
    expect(verifies(fresh, r1), 'a receiver holding only the new secret').toBe(true);

    await new Promise((r) => setTimeout(r, OVERLAP_SECONDS * 1000 + 300));
    const after = await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/test`);
    const r2 = requestsOf(after.body.delivery.id)[0]!;
    expect(String(r2.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(task.secret, r2), 'the old secret, after the overlap').toBe(false);
    expect(verifies(fresh, r2), 'the new secret, after the overlap').toBe(true);
    expectValidSignature(r2.headers['x-torale-signature'], r2.body, fresh);

    // GraphQL rotates the same way: a new secret, once.
    const gqlRotated = await gql(app(), RotateWebhookSecretDocument, { taskId: task.id });
    expect(gqlRotated.data?.rotateWebhookSecret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  }, 30_000);

  it('500, 500, 200: one delivery, three attempts, one webhook-id; a replay adds a fourth with the same id', async () => {
    const task = await hookTask();
    receiver.statuses.push(500, 500);
    const executionId = await executeNow(app(), {}, task.id);
    const page = await waitFor('three attempts, delivered', async () => {
      const p = await deliveries(task.id);
      return p.deliveries[0]?.status === 'delivered' ? p : undefined;
    });
    expect(page.deliveries).toHaveLength(1);
    const d = page.deliveries[0]! as unknown as {
      id: string;
      event: string;
      created_at: string;
      next_attempt_at: null;
      attempts: { at: string; status_code: number; duration_ms: number; error: string | null }[];
    };
    expect(d.event).toBe('task.condition_met');
    expect(d.attempts.map((a) => a.status_code)).toEqual([500, 500, 200]);
    for (const a of d.attempts) {
      expect(a.duration_ms).toBeGreaterThanOrEqual(0);
      expect(Date.parse(a.at)).toBeGreaterThanOrEqual(Date.parse(d.created_at));
    }
    // The schedule `0,1,1`: about a second between attempts.
    expect(Date.parse(d.attempts[1]!.at) - Date.parse(d.attempts[0]!.at)).toBeGreaterThanOrEqual(900);
    const reqs = requestsOf(d.id);
    expect(reqs).toHaveLength(3);
    // The same body each time: the run's event (its id is the execution's).
    for (const r of reqs) expect(verify(task.secret, r)).toMatchObject({ id: executionId });

    const replay = await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/deliveries/${d.id}/replay`);
    expect(replay.status, replay.raw).toBe(202);
    expect(replay.body).toEqual({ status: 'queued' });
    await waitFor('the replayed attempt', async () => requestsOf(d.id).length === 4);
    expect(verify(task.secret, requestsOf(d.id)[3]!)).toMatchObject({ id: executionId });
    const after = await waitFor('four attempts listed', async () => {
      const p = await deliveries(task.id);
      return p.deliveries[0]?.attempts.length === 4 && p.deliveries[0].status === 'delivered' ? p : undefined;
    });
    expect(after.deliveries.map((x) => x.id)).toEqual([d.id]);

    // GraphQL lists the same delivery and attempts, and replays the same way.
    const conn = await gql(app(), WebhookDeliveriesDocument, { taskId: task.id, first: 10 });
    const node = conn.data?.webhookDeliveries.edges[0]?.node;
    expect(node?.id).toBe(d.id);
    expect(node?.status).toBe('DELIVERED');
    expect(node?.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200, 200]);
    const again = await gql(app(), ReplayWebhookDeliveryDocument, { taskId: task.id, deliveryId: d.id });
    expect(again.data?.replayWebhookDelivery).toBe(true);
    await waitFor('the fifth attempt', async () => requestsOf(d.id).length === 5);
  }, 40_000);

  it('pages the log with a cursor', async () => {
    // Its own user: test pings are limited to 5 a minute per user.
    const { headers } = await signIn(app(), g.clerk);
    const task = await hookTask(headers);
    for (let i = 0; i < 3; i++) {
      expect((await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/test`, headers)).status).toBe(200);
    }
    const first = await rest(app(), 'GET', `/api/v1/tasks/${task.id}/webhook/deliveries?limit=2`, headers);
    expect(first.body.deliveries).toHaveLength(2);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await rest(
      app(),
      'GET',
      `/api/v1/tasks/${task.id}/webhook/deliveries?limit=2&cursor=${first.body.next_cursor}`,
      headers,
    );
    expect(second.body.deliveries).toHaveLength(1);
    expect(second.body.next_cursor).toBeNull();
    const ids = [...first.body.deliveries, ...second.body.deliveries].map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(3);
    const bad = await rest(app(), 'GET', `/api/v1/tasks/${task.id}/webhook/deliveries?cursor=nope`, headers);
    expect(bad.status).toBe(400);
  });

  it('another user gets 404 for every webhook action, over REST and GraphQL', async () => {
    const owner = await signIn(app(), g.clerk);
    const task = await hookTask(owner.headers);
    const ping = await rest(app(), 'POST', `/api/v1/tasks/${task.id}/webhook/test`, owner.headers);
    const deliveryId = ping.body.delivery.id;
    const other = await signIn(app(), g.clerk);
    for (const [method, path] of [
      ['POST', `/api/v1/tasks/${task.id}/webhook/rotate-secret`],
      ['GET', `/api/v1/tasks/${task.id}/webhook/deliveries`],
      ['POST', `/api/v1/tasks/${task.id}/webhook/deliveries/${deliveryId}/replay`],
      ['POST', `/api/v1/tasks/${task.id}/webhook/test`],
    ] as const) {
      const res = await rest(app(), method, path, other.headers);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toEqual({ detail: 'Task not found' });
    }
    expect(codeOf(await gql(app(), WebhookDeliveriesDocument, { taskId: task.id }, other.headers))).toBe('NOT_FOUND');
    expect(codeOf(await gql(app(), RotateWebhookSecretDocument, { taskId: task.id }, other.headers))).toBe('NOT_FOUND');
    expect(codeOf(await gql(app(), TestWebhookDocument, { taskId: task.id }, other.headers))).toBe('NOT_FOUND');
    const replay = await gql(app(), ReplayWebhookDeliveryDocument, { taskId: task.id, deliveryId }, other.headers);
    expect(codeOf(replay)).toBe('NOT_FOUND');
    // The owner: an unknown delivery is 404 too.
    const missing = await rest(
      app(),
      'POST',
      `/api/v1/tasks/${task.id}/webhook/deliveries/00000000-0000-4000-8000-000000000000/replay`,
      owner.headers,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Delivery not found' });
  });
});
