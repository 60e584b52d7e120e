// What the webhook sender refuses at send time, with insecure targets off (security review,
// issue 12): targets that are not public addresses — IP literals included, which node
// connects to without asking the lookup hook — are refused before any connection, and a
// request node will not even build ends the delivery failed instead of leaving it pending.
import { type AddressInfo, createServer, type Server } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { type ClerkGateway, startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { attemptsOf, deliveryOf, executeNow, notifyOnEveryRun, runEnv, waitFor, webhookTask } from '../runs/helpers.js';

const tpl = inject('pgTemplate');

describe.skipIf(!tpl)('the webhook sender, insecure targets off', () => {
  let g: ClerkGateway | undefined;
  let agent: FakeAgent;
  let listener: Server;
  let port = 0;
  let connections = 0;

  beforeAll(async () => {
    agent = await startFakeAgent();
    notifyOnEveryRun(agent);
    // A plain TCP listener on loopback: it only counts who reaches it.
    listener = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    port = (listener.address() as AddressInfo).port;
    g = await startClerkGateway({
      env: runEnv(agent.url, { WEBHOOK_ALLOW_INSECURE_TARGETS: '0' }),
      jobs: true,
      ownPool: true,
    });
  });
  afterAll(async () => {
    await stopClerkGateway(g ?? {});
    await agent?.close();
    await new Promise((r) => listener?.close(r));
  });

  /** A task saved with a harmless webhook, whose stored webhook is then changed behind the rules' back. */
  async function taskWithStoredWebhook(webhook: { url: string; headers?: Record<string, string> }) {
    const { app, database } = g!.t;
    const id = await webhookTask(app, {}, 'https://hooks.example.com/x');
    const stored = [{ type: 'webhook', method: 'POST', headers: {}, ...webhook }];
    await database.db
      .updateTable('tasks')
      .set({ notifications: sql`${JSON.stringify(stored)}::jsonb` })
      .where('id', '=', id)
      .execute();
    return id;
  }

  const endedDelivery = (taskId: string) =>
    waitFor(
      'the delivery to end',
      async () => {
        const d = await deliveryOf(g!.t.database.db, taskId);
        return d && d.status !== 'pending' ? d : undefined;
      },
      10_000,
    );

  it('a stored header node refuses to send: the delivery ends failed with the reason after one attempt', async () => {
    const id = await taskWithStoredWebhook({
      url: 'https://hooks.example.com/x',
      headers: { 'X-Bad': 'line\u0001feed' },
    });
    await executeNow(g!.t.app, {}, id);
    const d = await endedDelivery(id);
    const reason = 'the request could not be built: Invalid character in header content ["X-Bad"]';
    expect(d).toMatchObject({ status: 'failed', reason, attempts: 1 });
    expect(await attemptsOf(g!.t.database.db, d.id)).toMatchObject([{ attempt: 1, status_code: null, error: reason }]);
  });

  it.each([
    ['an IPv4 literal', (p: number) => `https://127.0.0.1:${p}/hook`, 'refused: 127.0.0.1 is not a public address'],
    [
      'an IPv4-mapped IPv6 literal',
      (p: number) => `https://[::ffff:127.0.0.1]:${p}/hook`,
      'refused: ::ffff:7f00:1 is not a public address',
    ],
    [
      'a name resolving to loopback',
      (p: number) => `https://localhost:${p}/hook`,
      /^refused: localhost resolves to (127\.0\.0\.1|::1), not a public address$/,
    ],
  ])('a stored target that is %s is refused without connecting', async (_what, target, reason) => {
    const url = new URL(target(port)).toString();
    const id = await taskWithStoredWebhook({ url });
    await executeNow(g!.t.app, {}, id);
    const d = await endedDelivery(id);
    expect(d).toMatchObject({ status: 'failed', target: url, attempts: 1 });
    if (typeof reason === 'string') expect(d.reason).toBe(reason);
    else expect(d.reason).toMatch(reason);
    expect(await attemptsOf(g!.t.database.db, d.id)).toMatchObject([{ status_code: null, error: d.reason }]);
    expect(connections).toBe(0);
  });
});
