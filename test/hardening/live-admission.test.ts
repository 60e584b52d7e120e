// Issue 23, finding 5: WebSocket upgrades without credentials count against the anonymous
// limit of their address (once a socket: its connection_init is not charged again), and sockets awaiting
// connection_init are capped per address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LIVE_PENDING_PER_ADDRESS } from '../../src/plugins/live.js';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { createKey, signIn } from '../helpers/identity.js';

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;
const ANON = 10;
const open: WebSocket[] = [];

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({
    listen: true,
    env: { ANONYMOUS_LIMIT_PER_MINUTE: String(ANON), LIVE_INIT_TIMEOUT_MS: '30000' },
  }));
});
afterAll(async () => {
  for (const ws of open) ws.terminate();
  await stopClerkGateway({ t, clerk, tdb });
});

/** Opens a socket from `address`: 'open', or the HTTP status the upgrade was refused with. */
function connect(
  address: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; outcome: number | 'open' }> {
  const ws = new WebSocket(`${t.url?.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    localAddress: address,
    headers,
  });
  open.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, outcome: 'open' }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, outcome: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

const closeCode = (ws: WebSocket) => new Promise<number>((r) => ws.once('close', (code) => r(code)));

describe('finding 5: anonymous sockets', () => {
  it('upgrades without credentials use up the anonymous limit of the address; the next is 429', async () => {
    const outcomes: (number | 'open')[] = [];
    for (let i = 0; i < ANON + 1; i++) outcomes.push((await connect('127.0.0.41')).outcome);
    expect(outcomes.slice(0, ANON).every((o) => o === 'open')).toBe(true);
    expect(outcomes[ANON]).toBe(429);
    // Another address still may.
    expect((await connect('127.0.0.42')).outcome).toBe('open');
  });

  it('a socket without credentials costs one anonymous request, spent at its upgrade (its connection_init is not charged again)', async () => {
    for (let i = 0; i < ANON; i++) {
      const { ws, outcome } = await connect('127.0.0.43');
      expect(outcome).toBe('open');
      const closed = closeCode(ws);
      ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      expect(await closed).toBe(4401);
    }
    expect((await connect('127.0.0.43')).outcome).toBe(429);
  });

  it('sockets awaiting connection_init are capped per address, credentials or not', async () => {
    const u = await signIn(t.app, clerk);
    const { key } = await createKey(t.app, u.headers);
    const outcomes: (number | 'open')[] = [];
    for (let i = 0; i < LIVE_PENDING_PER_ADDRESS + 1; i++) {
      outcomes.push((await connect('127.0.0.44', { authorization: `Bearer ${key}` })).outcome);
    }
    expect(outcomes.filter((o) => o === 'open')).toHaveLength(LIVE_PENDING_PER_ADDRESS);
    expect(outcomes[LIVE_PENDING_PER_ADDRESS]).toBe(429);
    expect(LIVE_PENDING_PER_ADDRESS).toBe(200);
  });
});
