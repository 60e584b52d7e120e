// A webhook target that answers slowly cannot hold up anyone else's (security review,
// issue 12): each attempt has one deadline for connect, headers and body, after which its
// socket is destroyed, and deliveries run side by side.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MAX_ANSWER_BYTES, sendWebhook } from '../../src/webhooks/webhook-sender.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import type { ClerkGateway } from '../helpers/gateway.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { type SignedInUser, signIn } from '../helpers/identity.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { attemptsOf, deliveryOf, executeNow, notifyOnEveryRun, runEnv, waitFor, webhookTask } from '../runs/helpers.js';

const tpl = inject('pgTemplate');
const DEADLINE_MS = 3000;
// A queued delivery is normally sent within one poll (TORALE_JOBS_POLL_SECONDS=1) plus a little.
const NORMAL_MS = 2500;

/** A target that answers 200 at once, then one body byte a second, and never ends. */
interface Dripper {
  url: string;
  requests: number[];
  /** Sockets still open on the target's side, and how long each closed one lived. */
  open: Set<Socket>;
  lifetimes: number[];
  connections(): Promise<number>;
  close(): Promise<void>;
}

async function startDripper(): Promise<Dripper> {
  const d: Dripper = {
    url: '',
    requests: [],
    open: new Set(),
    lifetimes: [],
    connections: () => new Promise((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n)))),
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    req.resume();
    d.requests.push(Date.now());
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    const timer = setInterval(() => res.write('.'), 1000);
    res.on('close', () => clearInterval(timer));
  });
  server.on('connection', (s: Socket) => {
    const opened = Date.now();
    d.open.add(s);
    s.on('close', () => {
      d.open.delete(s);
      d.lifetimes.push(Date.now() - opened);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  d.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  d.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return d;
}

describe.skipIf(!tpl)('a dripping webhook target', () => {
  for (const scenario of [
    { name: 'one delivery worker', env: { WEBHOOK_DELIVERY_CONCURRENCY: '1' } },
    { name: 'default delivery concurrency', env: {} as Record<string, string> },
  ]) {
    describe(scenario.name, () => {
      let g: ClerkGateway | undefined;
      let agent: FakeAgent;
      let healthy: WebhookReceiver;
      let dripper: Dripper;
      let other: SignedInUser;
      const dev = {}; // the no-auth dev user

      beforeAll(async () => {
        [agent, healthy, dripper] = await Promise.all([startFakeAgent(), startWebhookReceiver(), startDripper()]);
        notifyOnEveryRun(agent);
        // The dripping delivery's retry comes a minute later, after this test.
        const env = runEnv(agent.url, {
          WEBHOOK_TIMEOUT_MS: String(DEADLINE_MS),
          TORALE_RUN_RETRY_DELAY_SECONDS: '60',
          ...scenario.env,
        });
        g = await startClerkGateway({ env, jobs: true, ownPool: true });
        other = await signIn(g.t.app, g.clerk);
      });
      afterAll(async () => {
        await stopClerkGateway(g ?? {});
        await Promise.all([agent?.close(), healthy?.close(), dripper?.close()]);
      });

      /** When the run's transaction (which queued its webhook) committed, roughly. */
      const completedAt = (executionId: string) =>
        waitFor('the run', async () => {
          const e = await g!.t.database.db
            .selectFrom('task_executions')
            .select(['status', 'completed_at'])
            .where('id', '=', executionId)
            .executeTakeFirst();
          return e?.status === 'success' && e.completed_at ? e.completed_at.getTime() : undefined;
        });

      it('on its own, a healthy webhook arrives within one poll', async () => {
        const { app } = g!.t;
        const task = await webhookTask(app, other.headers, healthy.url);
        const done = await completedAt(await executeNow(app, other.headers, task));
        const hook = await waitFor('the healthy webhook', async () => healthy.received[0], 10_000);
        console.log(`[webhook-deadline] ${scenario.name}: healthy webhook alone after ${hook.at - done} ms`);
        expect(hook.at - done).toBeLessThan(NORMAL_MS);
      });

      it("another user's dripping target delays it by at most one attempt deadline, and is cut off", async () => {
        const { app, database } = g!.t;
        healthy.received.length = 0;
        const dripTask = await webhookTask(app, dev, dripper.url);
        const healthyTask = await webhookTask(app, other.headers, healthy.url);
        await executeNow(app, dev, dripTask);
        await waitFor('the dripping attempt to start', async () => dripper.requests.length === 1);
        const done = await completedAt(await executeNow(app, other.headers, healthyTask));
        // The healthy webhook was queued while the dripping attempt held a worker.
        expect(done).toBeLessThan((dripper.requests[0] as number) + DEADLINE_MS);
        const hook = await waitFor(
          'the healthy webhook',
          async () => healthy.received[0],
          Math.max(0, done + NORMAL_MS + DEADLINE_MS + 500 - Date.now()),
        );
        const latency = hook.at - done;
        console.log(`[webhook-deadline] ${scenario.name}: healthy webhook beside a dripping one after ${latency} ms`);
        expect(latency).toBeLessThan(NORMAL_MS + DEADLINE_MS);

        // The dripping attempt is recorded as failed at its deadline, and its socket is gone.
        const delivery = await waitFor('the dripping delivery', () => deliveryOf(database.db, dripTask));
        const [attempt] = await waitFor('the dripping attempt', async () => {
          const a = await attemptsOf(database.db, delivery.id);
          return a.length > 0 ? a : undefined;
        });
        expect(attempt).toMatchObject({
          status_code: 200,
          error: `the target did not finish its answer within ${DEADLINE_MS} ms`,
        });
        expect(attempt?.duration_ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
        expect(attempt?.duration_ms).toBeLessThan(DEADLINE_MS + 1000);
        expect((await deliveryOf(database.db, dripTask))?.status).toBe('pending'); // retried on its schedule
        await waitFor('the dripping socket to close', async () => dripper.open.size === 0, 2000);
        expect(await dripper.connections()).toBe(0);
        expect(dripper.requests).toHaveLength(1);
        expect(dripper.lifetimes).toHaveLength(1);
        expect(dripper.lifetimes[0]).toBeLessThan(DEADLINE_MS + 1000);
      });
    });
  }
});

// The sender alone, against targets that misbehave in each phase of an attempt.
describe('one webhook attempt', () => {
  const attempt = (url: string, timeoutMs: number) =>
    sendWebhook({
      url,
      method: 'POST',
      headers: {},
      body: '{}',
      secrets: [],
      deliveryId: 'd',
      event: 'task.condition_met',
      allowInsecureTargets: true,
      timeoutMs,
    });

  async function target(handler: Parameters<typeof createServer>[1]) {
    const server = createServer(handler);
    const open = new Set<Socket>();
    server.on('connection', (s: Socket) => {
      open.add(s);
      s.on('close', () => open.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    const close = () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    return { url, open, close };
  }

  it('a target that never answers: no answer within the deadline, socket closed', async () => {
    const t = await target(() => {}); // reads the request, never responds
    try {
      const a = await attempt(t.url, 500);
      expect(a).toMatchObject({ statusCode: null, error: 'no answer within 500 ms', permanent: false });
      expect(a.durationMs).toBeGreaterThanOrEqual(450);
      await waitFor('the socket to close', async () => t.open.size === 0, 1000);
    } finally {
      await t.close();
    }
  });

  it('a target that streams an endless body: read up to a bound, the status decides, socket closed', async () => {
    let written = 0;
    const t = await target((req, res) => {
      req.resume();
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) written += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    try {
      const a = await attempt(t.url, 5000);
      expect(a).toMatchObject({ statusCode: 200, error: null });
      expect(a.durationMs).toBeLessThan(2000);
      await waitFor('the socket to close', async () => t.open.size === 0, 1000);
      expect(written).toBeLessThan(MAX_ANSWER_BYTES + 8 * 1024 * 1024); // socket buffers, not the whole stream
    } finally {
      await t.close();
    }
  });
});
