// Live updates across two instances: a run dispatched by instance B reaches a subscriber
// on instance A as pending, running, success, in order, each within a second of its
// commit; another user's subscriber gets nothing; revoking the key on B closes A's socket
// with 4403; no credentials close with 4401.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';
import { clerkEnv, createKey, signIn } from '../helpers/identity.js';
import { subscribe } from '../helpers/live.js';
import { rest } from '../helpers/rest.js';
import { runEnv, waitFor } from '../runs/helpers.js';

const tpl = inject('pgTemplate');
const EXECUTIONS = 'subscription($t: ID) { executionUpdated(taskId: $t) { id taskId status result } }';

describe.skipIf(!tpl)('live updates across instances', () => {
  let tdb: TestDatabase;
  let clerk: FakeClerk;
  let agent: FakeAgent;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    [tdb, clerk, agent] = await Promise.all([createTestDatabase(), startFakeClerk(), startFakeAgent()]);
    const env = { ...runEnv(agent.url), ...clerkEnv(clerk), TORALE_NOAUTH: '0' };
    // A serves subscriptions and runs nothing; B runs the jobs.
    a = await startApp(tdb, { env: { ...env, TORALE_RUNNER: '0' }, listen: true, jobs: true, ownPool: true });
    b = await startApp(tdb, { env, listen: true, jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await agent?.close();
    await clerk?.close();
    await tdb?.drop();
  });

  it('pending, running, success reach the owner on the other instance, in order, within 1 s; nobody else', async () => {
    const owner = await signIn(b.app, clerk);
    const other = await signIn(b.app, clerk);
    const key = (await createKey(b.app, owner.headers)).key;
    const task = (await rest(b.app, 'POST', '/api/v1/tasks', bearer(key), { search_query: 'q', state: 'paused' })).body;
    agent.fallback = { kind: 'answer', delayMs: 300, result: { evidence: 'done', next_run: null } };

    const mine = subscribe(a.url!, EXECUTIONS, { authorization: `Bearer ${key}`, variables: { t: task.id } });
    const all = subscribe(a.url!, EXECUTIONS, { authorization: `Bearer ${key}`, viaHeader: true });
    const theirs = subscribe(a.url!, EXECUTIONS, { authorization: `Bearer ${other.token}` });
    await waitFor('the subscriptions', async () => a.container.hub.subscribers >= 3);

    const commits: Record<string, number> = {};
    const poll = setInterval(async () => {
      const { rows } = await sql<{
        status: string;
      }>`select status from task_executions where task_id = ${task.id}`.execute(tdb.database.db);
      for (const r of rows) commits[r.status] ??= Date.now();
    }, 20);
    const exec = (await rest(b.app, 'POST', `/api/v1/tasks/${task.id}/execute`, bearer(key))).body;
    await waitFor('three updates', async () => mine.events.length >= 3, 10_000);
    clearInterval(poll);
    const statuses = mine.events.map(
      (e) => (e.data as { data: { executionUpdated: { status: string } } }).data.executionUpdated.status,
    );
    expect(statuses).toEqual(['PENDING', 'RUNNING', 'SUCCESS']);
    const last = mine.events[2]!.data as { data: { executionUpdated: { id: string; result: { evidence: string } } } };
    expect(last.data.executionUpdated).toMatchObject({ id: exec.id, result: { evidence: 'done' } });
    // Each arrived within a second of being seen committed (polled every 20 ms).
    for (const [i, s] of ['pending', 'running', 'success'].entries()) {
      expect(mine.events[i]!.at - (commits[s] ?? mine.events[i]!.at)).toBeLessThan(1000);
    }
    await waitFor('the unfiltered subscription', async () => all.events.length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(theirs.events).toEqual([]);
    await Promise.all([mine.dispose(), all.dispose(), theirs.dispose()]);
  }, 30_000);

  it("revoking the key on the other instance closes the subscriber's socket with 4403 within 5 s", async () => {
    const owner = await signIn(b.app, clerk);
    const { key, key_info } = await createKey(b.app, owner.headers);
    const live = subscribe(a.url!, EXECUTIONS, { authorization: `Bearer ${key}` });
    await waitFor('the subscription', async () => a.container.hub.subscribers >= 1);
    const revokedAt = Date.now();
    expect((await rest(b.app, 'DELETE', `/auth/api-keys/${key_info.id}`, owner.headers)).status).toBe(200);
    const closed = await live.closed;
    console.log(`[live] closed ${closed.code} "${closed.reason}" ${Date.now() - revokedAt} ms after the revocation`);
    expect(closed.code).toBe(4403);
    expect(Date.now() - revokedAt).toBeLessThan(5000);
  });

  it('no credentials, or bad ones: 4401', async () => {
    const none = subscribe(a.url!, EXECUTIONS);
    expect((await none.closed).code).toBe(4401);
    const bad = subscribe(a.url!, EXECUTIONS, { authorization: 'Bearer sk_not_a_real_key' });
    expect(await bad.closed).toMatchObject({ code: 4401, reason: 'Invalid API key' });
  });
});

describe.skipIf(!tpl)('a session token that expires', () => {
  let tdb: TestDatabase;
  let clerk: FakeClerk;
  let t: TestApp;
  beforeAll(async () => {
    ({ tdb, clerk, t } = await startClerkGateway({ listen: true }));
  });
  afterAll(async () => {
    await stopClerkGateway({ t, clerk, tdb });
  });

  it('closes the socket with 4403 when the token expires', async () => {
    const u = await signIn(t.app, clerk);
    const token = await clerk.token(u.clerkUserId, { expiresInSeconds: 3 });
    const live = subscribe(t.url!, EXECUTIONS, { authorization: `Bearer ${token}` });
    await waitFor('the subscription', async () => t.container.hub.subscribers >= 1);
    const closed = await live.closed;
    expect(closed).toMatchObject({ code: 4403, reason: 'Credentials expired' });
  });
});
