// The embedded database (no DATABASE_URL) is PGlite served over the PostgreSQL wire protocol
// on loopback: node-postgres pools, pg-boss and LISTEN reach it as they reach a server, and
// connections sharing its one session must not see each other's transactions, prepared
// statements or notifications. Then the whole loop on it: a run, its webhook, a live update.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { startApp, type TestApp } from '../helpers/app.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { subscribe } from '../helpers/live.js';
import { rest } from '../helpers/rest.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { runEnv, waitFor } from '../runs/helpers.js';

let database: Database;
let pool: pg.Pool;
const clients: pg.Client[] = [];

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: database.url });
  c.on('error', () => {});
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger: createLogger('silent') });
  await migrateToLatest(database.db);
  pool = new pg.Pool({ connectionString: database.url, max: 8 });
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await pool?.end();
  await database?.close();
});

describe('embedded database over the wire protocol', () => {
  it('is reached at a loopback postgres:// URL', () => {
    expect(database.kind).toBe('pglite');
    expect(database.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  });

  it('keeps concurrent transactions apart: each commits or rolls back alone', async () => {
    await pool.query('create table wire_tx (id int primary key, by_conn int)');
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const c = await pool.connect();
        try {
          await c.query('begin');
          await c.query('insert into wire_tx values ($1, $2)', [i, i]);
          // Another connection's statements arrive while this transaction is open.
          await new Promise((r) => setTimeout(r, 2));
          const seen = await c.query('select count(*)::int as n from wire_tx where by_conn = $1', [i]);
          expect(seen.rows[0].n).toBe(1);
          await c.query(i % 3 === 0 ? 'rollback' : 'commit');
        } finally {
          c.release();
        }
      }),
    );
    const { rows } = await pool.query('select array_agg(id order by id) as ids from wire_tx');
    expect(rows[0].ids).toEqual(Array.from({ length: 24 }, (_, i) => i).filter((i) => i % 3 !== 0));
  });

  it('gives each connection its own named prepared statements (same name, different SQL)', async () => {
    const [a, b] = [await client(), await client()];
    const results = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) =>
        a.query({ name: 'same_name', text: 'select $1::int + 1 as v', values: [i] }),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        b.query({ name: 'same_name', text: 'select $1::int * 10 as v', values: [i] }),
      ),
    ]);
    expect(results.map((r) => r.rows[0].v)).toEqual([1, 2, 3, 4, 5, 0, 10, 20, 30, 40]);
  });

  it('recovers from an error inside an extended-protocol exchange', async () => {
    await expect(pool.query('select 1 / $1::int', [0])).rejects.toThrow('division by zero');
    expect((await pool.query('select $1::text as ok', ['yes'])).rows[0].ok).toBe('yes');
  });

  it('routes NOTIFY to the connections that LISTEN on its channel, and only to them', async () => {
    const [listener, other] = [await client(), await client()];
    const heard: string[] = [];
    const strayed: string[] = [];
    listener.on('notification', (n) => heard.push(`${n.channel}:${n.payload}`));
    other.on('notification', (n) => strayed.push(`${n.channel}:${n.payload}`));
    await listener.query('LISTEN "Wire Chan"');
    await other.query('LISTEN unrelated');
    await pool.query(`select pg_notify('Wire Chan', 'outside')`);
    const c = await pool.connect();
    await c.query('begin');
    await c.query(`select pg_notify('Wire Chan', 'committed')`);
    await c.query('commit');
    await c.query('begin');
    await c.query(`select pg_notify('Wire Chan', 'rolled back')`);
    await c.query('rollback');
    c.release();
    await waitFor('two notifications', async () => heard.length >= 2);
    expect(heard).toEqual(['Wire Chan:outside', 'Wire Chan:committed']);
    expect(strayed).toEqual([]);
    // UNLISTEN of one connection does not deafen another.
    await other.query('LISTEN "Wire Chan"');
    await other.query('UNLISTEN "Wire Chan"');
    await pool.query(`select pg_notify('Wire Chan', 'after unlisten')`);
    await waitFor('the third notification', async () => heard.length >= 3);
    expect(strayed).toEqual([]);
  });

  it('rolls back the transaction of a connection that dies holding the session', async () => {
    await pool.query('create table wire_dead (id int)');
    const dying = await client();
    await dying.query('begin');
    await dying.query('insert into wire_dead values (1)');
    // A second connection waits for the session meanwhile.
    const waiting = pool.query('select count(*)::int as n from wire_dead');
    (dying as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    expect((await waiting).rows[0].n).toBe(0);
    expect((await pool.query('select count(*)::int as n from wire_dead')).rows[0].n).toBe(0);
  });

  it('answers huge, NUL-free unicode values intact', async () => {
    const big = `${'ü'.repeat(200_000)}🦀`;
    expect((await pool.query('select $1::text as v', [big])).rows[0].v).toBe(big);
  });
});

describe('the product loop on the embedded database', () => {
  let agent: FakeAgent;
  let receiver: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    [agent, receiver] = await Promise.all([startFakeAgent(), startWebhookReceiver()]);
    const tdb = { url: undefined, database, open: async () => database, drop: async () => {} };
    t = await startApp(tdb, { env: runEnv(agent.url), jobs: true, listen: true });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await receiver?.close();
  });

  it('runs a task through the job engine, delivers its webhook and announces it live', async () => {
    agent.fallback = {
      kind: 'answer',
      result: { evidence: 'seen', notification: 'It happened', next_run: null, confidence: 90 },
    };
    const live = subscribe(t.url as string, 'subscription { executionUpdated { status notification } }');
    try {
      await waitFor('the subscription', async () => t.container.hub.subscribers > 0);
      const created = await rest(
        t.app,
        'POST',
        '/api/v1/tasks',
        {},
        {
          search_query: 'Embedded run',
          run_immediately: true,
          notifications: [{ type: 'webhook', url: receiver.url }],
        },
      );
      expect(created.status).toBe(200);
      expect(created.body.immediate_execution_error ?? null).toBeNull();
      const [run] = await waitFor('the run', async () => {
        const list = (await rest(t.app, 'GET', `/api/v1/tasks/${created.body.id}/executions`, {})).body;
        return list[0]?.status === 'success' ? list : undefined;
      });
      expect(run.notification).toBe('It happened');
      await waitFor('the webhook', async () => receiver.received.length > 0);
      expect(receiver.received[0]!.body).toContain(run.id);
      await waitFor('the live update', async () =>
        live.events.some((e) => JSON.stringify(e.data).includes('"status":"SUCCESS"')),
      );
    } finally {
      await live.dispose();
    }
  });
});
