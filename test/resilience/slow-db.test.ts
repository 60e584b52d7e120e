// A table lock held for a long time: requests that need the table fail fast with 503 JSON
// (statement timeout + 1 s), others keep working, and the pool recovers fully afterwards.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, reachedVia, type TestDatabase } from '../helpers/db.js';
import { rest } from '../helpers/rest.js';

const tpl = inject('pgTemplate');
const STATEMENT_TIMEOUT_MS = 1500;
const LOCK_MS = 30_000;

let tdb: TestDatabase;
let t: TestApp;

describe.skipIf(!tpl)('slow database', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase();
    t = await startApp(reachedVia(tdb, { statementTimeoutMs: STATEMENT_TIMEOUT_MS }), {
      env: { TORALE_NOAUTH: '1' },
      ownPool: true,
    });
    expect((await rest(t.app, 'POST', '/api/v1/tasks', {}, { search_query: 'before the lock' })).status).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await tdb?.drop();
  });

  it(`tasks locked for ${LOCK_MS / 1000} s: 503 within the statement timeout + 1 s, recovery afterwards`, async () => {
    const locker = new pg.Client({ connectionString: tdb.url });
    await locker.connect();
    await locker.query('begin');
    await locker.query('lock table tasks in access exclusive mode');
    const lockedAt = performance.now();
    try {
      const timed = async (fn: () => Promise<{ status: number; body: unknown }>) => {
        const s = performance.now();
        const r = await fn();
        return { ...r, ms: performance.now() - s };
      };
      const blocked = await Promise.all(
        Array.from({ length: 5 }, () => timed(() => rest(t.app, 'GET', '/api/v1/tasks', {}))),
      );
      const me = await timed(() => rest(t.app, 'GET', '/auth/me', {}));
      console.log(
        `[slow-db] locked requests: ${blocked.map((b) => `${b.status} in ${Math.round(b.ms)} ms`).join(', ')}; /auth/me ${me.status} in ${Math.round(me.ms)} ms`,
      );
      for (const b of blocked) {
        expect(b.status).toBe(503);
        expect(b.body).toEqual({ detail: 'Service temporarily unavailable' });
        expect(b.ms).toBeLessThan(STATEMENT_TIMEOUT_MS + 1000);
      }
      // The users table is not locked: the rest of the API keeps answering meanwhile.
      expect(me.status).toBe(200);
      expect(me.ms).toBeLessThan(1000);
      expect(performance.now() - lockedAt).toBeLessThan(LOCK_MS);
      await new Promise((r) => setTimeout(r, Math.max(0, LOCK_MS - (performance.now() - lockedAt))));
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    const after = await rest(t.app, 'GET', '/api/v1/tasks', {});
    expect(after.status).toBe(200);
    expect(after.body).toHaveLength(1);
    // The pool recovered fully: concurrent work succeeds and nothing waits.
    const burst = await Promise.all(Array.from({ length: 30 }, () => rest(t.app, 'GET', '/api/v1/tasks', {})));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(t.database.poolState().waiting).toBe(0);
  }, 60_000);
});
