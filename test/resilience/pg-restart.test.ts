// PostgreSQL goes away mid-run under a mixed load of reads and task creations, each
// creation carrying its own Idempotency-Key and retried until acknowledged: no crash, 503
// JSON during the outage, recovery within 5 s, every acknowledged creation exactly once.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, reachedVia, type TestDatabase } from '../helpers/db.js';
import { rest } from '../helpers/rest.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const tpl = inject('pgTemplate');
const CONNECT_TIMEOUT_MS = 1000;

let tdb: TestDatabase;
let proxy: TcpProxy;
let t: TestApp;

describe('Idempotency-Key', () => {
  let plain: TestApp;
  let pdb: TestDatabase;
  beforeAll(async () => {
    pdb = await createTestDatabase();
    plain = await startApp(pdb, { env: { TORALE_NOAUTH: '1' } });
  });
  afterAll(async () => {
    await plain?.close();
    await pdb?.drop();
  });

  it('a repeat replays the first result; a different body with the same key is refused', async () => {
    const h = { 'idempotency-key': 'create-1' };
    const first = await rest(plain.app, 'POST', '/api/v1/tasks', h, {
      name: 'once',
      search_query: 'q',
      run_immediately: true,
    });
    expect(first.status).toBe(200);
    const again = await rest(plain.app, 'POST', '/api/v1/tasks', h, {
      name: 'once',
      search_query: 'q',
      run_immediately: true,
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const list = await rest(plain.app, 'GET', '/api/v1/tasks', {});
    expect(list.body.filter((x: { name: string }) => x.name === 'once')).toHaveLength(1);
    const executions = await rest(plain.app, 'GET', `/api/v1/tasks/${first.body.id}/executions`, {});
    expect(executions.body).toHaveLength(1); // not run twice
    const other = await rest(plain.app, 'POST', '/api/v1/tasks', h, { name: 'different', search_query: 'q' });
    expect(other.status).toBe(422);
    expect(other.body.detail[0]).toMatchObject({ type: 'idempotency_key_reused', loc: ['header', 'idempotency-key'] });
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () =>
        rest(plain.app, 'POST', '/api/v1/tasks', { 'idempotency-key': 'race' }, { name: 'raced', search_query: 'q' }),
      ),
    );
    expect(concurrent.every((r) => r.status === 200)).toBe(true);
    expect(new Set(concurrent.map((r) => r.body.id)).size).toBe(1);
  });
});

describe.skipIf(!tpl)('PostgreSQL restart under load', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const u = new URL(tdb.url!);
    proxy = await startTcpProxy(u.hostname, Number(u.port || 5432));
    t = await startApp(reachedVia(tdb, { port: proxy.port, connectTimeoutMs: CONNECT_TIMEOUT_MS }), {
      env: { TORALE_NOAUTH: '1', LOG_LEVEL: 'warn' },
      ownPool: true,
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await tdb?.drop();
  });

  it('loses and duplicates nothing', async () => {
    const KEYS = Array.from({ length: 80 }, (_, i) => `load-${i}-${randomUUID()}`);
    const acknowledged = new Map<string, string>(); // key → task id
    const failures: { status: number; ms: number; body: unknown }[] = [];
    let outageOver = 0;
    let firstSuccessAfterOutage = 0;
    let reads = 0;

    const createWithRetry = async (key: string, i: number) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const s = performance.now();
        const res = await rest(
          t.app,
          'POST',
          '/api/v1/tasks',
          { 'idempotency-key': key },
          {
            name: `load ${i}`,
            search_query: 'q',
            state: 'paused',
          },
        );
        if (res.status === 200) {
          acknowledged.set(key, res.body.id);
          if (outageOver && !firstSuccessAfterOutage) firstSuccessAfterOutage = performance.now();
          return;
        }
        failures.push({ status: res.status, ms: performance.now() - s, body: res.body });
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`creation ${key} never succeeded`);
    };
    const reader = async (until: () => boolean) => {
      while (!until()) {
        const s = performance.now();
        const res = await rest(t.app, 'GET', '/api/v1/tasks', {});
        if (res.status === 200) reads++;
        else failures.push({ status: res.status, ms: performance.now() - s, body: res.body });
        await new Promise((r) => setTimeout(r, 20));
      }
    };

    let done = false;
    const readers = [reader(() => done), reader(() => done)];
    const writers = [0, 1, 2, 3].map(async (w) => {
      for (let i = w; i < KEYS.length; i += 4) {
        await createWithRetry(KEYS[i] as string, i);
        await new Promise((r) => setTimeout(r, 25));
      }
    });
    // Mid-run: every connection to PostgreSQL dies and new ones are refused for 2 s.
    await new Promise((r) => setTimeout(r, 400));
    await proxy.cut();
    await new Promise((r) => setTimeout(r, 2000));
    await proxy.restore();
    outageOver = performance.now();
    await Promise.all(writers);
    done = true;
    await Promise.all(readers);

    const recoveryMs = firstSuccessAfterOutage ? firstSuccessAfterOutage - outageOver : Number.NaN;
    console.log(
      `[pg-restart] ${acknowledged.size} creations acknowledged, ${reads} reads, ${failures.length} refused during the outage (statuses ${[...new Set(failures.map((f) => f.status))]}), slowest refusal ${Math.round(Math.max(0, ...failures.map((f) => f.ms)))} ms, recovery ${Math.round(recoveryMs)} ms`,
    );
    expect(failures.length).toBeGreaterThan(0); // the outage was real
    for (const f of failures) {
      expect(f.status).toBe(503);
      expect(f.body).toEqual({ detail: 'Service temporarily unavailable' });
      expect(f.ms).toBeLessThan(CONNECT_TIMEOUT_MS + 1000);
    }
    expect(recoveryMs).toBeLessThan(5000);
    expect(acknowledged.size).toBe(KEYS.length);

    const rows = await sql<{ name: string; n: number }>`
      select name, count(*)::int as n from tasks where name like 'load %' group by name`.execute(tdb.database.db);
    expect(rows.rows).toHaveLength(KEYS.length);
    expect(rows.rows.every((r) => r.n === 1)).toBe(true);
    const ids = new Set(rows.rows.map((r) => r.name));
    for (let i = 0; i < KEYS.length; i++) expect(ids.has(`load ${i}`)).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  }, 90_000);
});
