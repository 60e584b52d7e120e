// Issue 23: finding 3 (one user's slow deliveries hold at most their share of the delivery
// slots; replays are limited like test pings) and finding 8 (a replay goes only to the
// webhook's current target; an attempt for an old target is never signed with the new secret).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { type ClerkGateway, startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { signIn } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { executeNow, notifyOnEveryRun, runEnv, waitFor, webhookTask } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

/** A target that answers nothing until released: each request holds a delivery slot. */
async function startSlowTarget() {
  const held: ServerResponse[] = [];
  let peak = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    held.push(res);
    peak = Math.max(peak, held.filter((r) => !r.writableEnded).length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    get holding() {
      return held.filter((r) => !r.writableEnded).length;
    },
    get peak() {
      return peak;
    },
    release() {
      for (const r of held.splice(0)) if (!r.writableEnded) r.writeHead(200).end();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe.skipIf(!tpl)('delivery fairness and replays', () => {
  let g: ClerkGateway;
  let agent: FakeAgent;
  let fast: WebhookReceiver;
  let slow: Awaited<ReturnType<typeof startSlowTarget>>;
  beforeAll(async () => {
    [agent, fast, slow] = await Promise.all([startFakeAgent(), startWebhookReceiver(), startSlowTarget()]);
    notifyOnEveryRun(agent);
    g = await startClerkGateway({
      jobs: true,
      env: runEnv(agent.url, {
        WEBHOOK_DELIVERY_CONCURRENCY: '8',
        WEBHOOK_DELIVERY_PER_USER: '2',
        WEBHOOK_TIMEOUT_MS: '30000',
        WEBHOOK_RETRY_SCHEDULE_SECONDS: '0',
      }),
    });
  });
  afterAll(async () => {
    slow?.release();
    await stopClerkGateway(g);
    await agent?.close();
    await fast?.close();
    await slow?.close();
  });
  const app = () => g.t.app;

  it('finding 3: one user’s 8 slow deliveries hold 2 of 8 slots; another user’s delivery goes out meanwhile', async () => {
    // The dev user (no credentials) owns the slow targets.
    const slowTasks = await Promise.all(Array.from({ length: 8 }, () => webhookTask(app(), {}, slow.url)));
    for (const id of slowTasks) await executeNow(app(), {}, id);
    await waitFor('the slow target holding its share', async () => slow.holding >= 2);
    const b = await signIn(app(), g.clerk);
    const theirs = await webhookTask(app(), b.headers, fast.url);
    const before = fast.received.length;
    await executeNow(app(), b.headers, theirs);
    // Arrives while the first user's deliveries are all still held by their target.
    await waitFor('the other user’s delivery', async () => fast.received.length > before, 20_000);
    expect(slow.holding).toBeGreaterThan(0);
    expect(slow.peak).toBeLessThanOrEqual(2);
    slow.release();
    await waitFor(
      'the rest of the slow deliveries, two at a time',
      async () => {
        slow.release();
        const { rows } = await g.tdb.database.db
          .selectFrom('notification_deliveries')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('task_id', 'in', slowTasks)
          .where('status', '=', 'delivered')
          .execute()
          .then((r) => ({ rows: r }));
        return Number(rows[0]?.n) === 8;
      },
      60_000,
    );
    expect(slow.peak).toBeLessThanOrEqual(2);
  }, 120_000);

  it('finding 3: replays are limited like test pings (5 a minute per user)', async () => {
    const u = await signIn(app(), g.clerk);
    const task = await webhookTask(app(), u.headers, fast.url);
    await executeNow(app(), u.headers, task);
    const d = await waitFor('a delivery', async () => {
      const p = await rest(app(), 'GET', `/api/v1/tasks/${task}/webhook/deliveries`, u.headers);
      return p.body.deliveries[0]?.status === 'delivered' ? p.body.deliveries[0] : undefined;
    });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await rest(app(), 'POST', `/api/v1/tasks/${task}/webhook/deliveries/${d.id}/replay`, u.headers);
      statuses.push(r.status);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('finding 8: after the webhook moved, a replay is refused and nothing goes to the old target', async () => {
    const u = await signIn(app(), g.clerk);
    const other = await startWebhookReceiver();
    try {
      const task = await webhookTask(app(), u.headers, fast.url);
      await executeNow(app(), u.headers, task);
      const d = await waitFor('a delivery', async () => {
        const p = await rest(app(), 'GET', `/api/v1/tasks/${task}/webhook/deliveries`, u.headers);
        return p.body.deliveries[0]?.status === 'delivered' ? p.body.deliveries[0] : undefined;
      });
      const moved = await rest(app(), 'PUT', `/api/v1/tasks/${task}`, u.headers, {
        notifications: [{ type: 'webhook', url: other.url }],
      });
      expect(moved.status, moved.raw).toBe(200);
      const toOld = () => fast.received.filter((r) => r.headers['webhook-id'] === d.id).length;
      const sentBefore = toOld();
      const replay = await rest(app(), 'POST', `/api/v1/tasks/${task}/webhook/deliveries/${d.id}/replay`, u.headers);
      expect(replay.status).toBe(400);
      expect(replay.body).toEqual({ detail: 'The webhook has moved since this delivery; it cannot be replayed' });
      await new Promise((r) => setTimeout(r, 1500));
      expect(toOld()).toBe(sentBefore);
      expect(other.received.filter((r) => r.headers['webhook-id'] === d.id)).toHaveLength(0);
    } finally {
      await other.close();
    }
  });
});
