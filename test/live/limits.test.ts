// Every limit of a live connection has its close code: connections per user and
// subscriptions per connection 4429, no connection_init in time 4408, an oversized
// message 1009; a disabled user 4403; queries and mutations are refused on the socket.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { subscribe } from '../helpers/live.js';
import { waitFor } from '../runs/helpers.js';

const TASKS = 'subscription { taskUpdated { id name } }';

let tdb: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  tdb = await createTestDatabase();
  t = await startApp(tdb, {
    env: {
      TORALE_NOAUTH: '1',
      LIVE_CONNECTIONS_PER_USER: '2',
      LIVE_SUBSCRIPTIONS_PER_CONNECTION: '2',
      LIVE_INIT_TIMEOUT_MS: '300',
    },
    listen: true,
  });
});
afterAll(async () => {
  await t?.close();
  await tdb?.drop();
});

/** A raw graphql-transport-ws socket, to send exactly what a test needs. */
function raw(): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }>; messages: unknown[] }> {
  const ws = new WebSocket(`${t.url!.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: unknown[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, closed, messages }));
    ws.on('error', reject);
  });
}

describe('live limits', () => {
  it('a third connection of one user closes 4429', async () => {
    const one = subscribe(t.url!, TASKS);
    const two = subscribe(t.url!, TASKS);
    await waitFor('two subscribers', async () => t.container.hub.subscribers >= 2);
    const three = subscribe(t.url!, TASKS);
    expect(await three.closed).toMatchObject({ code: 4429 });
    await Promise.all([one.dispose(), two.dispose()]);
    await waitFor('subscribers gone', async () => t.container.hub.subscribers === 0);
  });

  it('a third subscription on one connection closes 4429', async () => {
    const { ws, closed, messages } = await raw();
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor('ack', async () => messages.length >= 1);
    for (const id of ['1', '2', '3']) ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query: TASKS } }));
    expect(await closed).toMatchObject({ code: 4429 });
  });

  it('no connection_init in time closes 4408; an oversized message closes 1009', async () => {
    const idle = await raw();
    expect((await idle.closed).code).toBe(4408);
    const big = await raw();
    big.ws.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(70 * 1024) } }));
    expect((await big.closed).code).toBe(1009);
  });

  it('queries and mutations are refused on the socket (they belong on HTTP); bad documents get errors', async () => {
    const { ws, messages } = await raw();
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await waitFor('ack', async () => messages.length >= 1);
    ws.send(JSON.stringify({ id: 'q', type: 'subscribe', payload: { query: '{ me { id } }' } }));
    ws.send(
      JSON.stringify({ id: 'd', type: 'subscribe', payload: { query: 'subscription { taskUpdated { nope } }' } }),
    );
    await waitFor(
      'two errors',
      async () => messages.filter((m) => (m as { type: string }).type === 'error').length >= 2,
    );
    const errors = messages.filter((m) => (m as { type: string }).type === 'error') as {
      id: string;
      payload: { message: string }[];
    }[];
    expect(errors.find((e) => e.id === 'q')?.payload[0]?.message).toMatch(/Only subscriptions are served here/);
    expect(errors.find((e) => e.id === 'd')?.payload[0]?.message).toMatch(/Cannot query field "nope"/);
    ws.close();
  });

  it('disabling the user closes their sockets with 4403 within 5 s', async () => {
    const live = subscribe(t.url!, TASKS);
    await waitFor('the subscription', async () => t.container.hub.subscribers >= 1);
    const at = Date.now();
    await sql`update users set is_active = false where clerk_user_id = 'user_noauth_dev'`.execute(tdb.database.db);
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4403, reason: 'User account is disabled' });
    expect(Date.now() - at).toBeLessThan(5000);
    await sql`update users set is_active = true where clerk_user_id = 'user_noauth_dev'`.execute(tdb.database.db);
  });
});
