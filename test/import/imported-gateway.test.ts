// A gateway serving what was imported from Torale: a Torale key answers /auth/me and GraphQL
// `me` (a revoked one is refused as revoked); a Torale session (the same Clerk user) sees its
// tasks and their findings; an import into a running gateway schedules each active task at its
// next_run, and it runs then, once.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { INTERRUPTED } from '../../src/import/convert.js';
import { importFromTorale } from '../../src/import/importer.js';
import { bearer, startApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type FakeAgent, startFakeAgent } from '../helpers/fake-agent.js';
import { type FakeClerk, startFakeClerk } from '../helpers/fake-clerk.js';
import { clerkEnv } from '../helpers/identity.js';
import { rest } from '../helpers/rest.js';
import { runEnv, waitFor } from '../runs/helpers.js';
import { type Scenario, seedScenario } from './scenario.js';
import { addTask, addUser, createToraleDatabase, type ToraleDb } from './torale-fixture.js';

const tpl = inject('pgTemplate');

describe.skipIf(!tpl)('the gateway after an import', () => {
  let torale: ToraleDb;
  let tdb: TestDatabase;
  let clerk: FakeClerk;
  let t: TestApp;
  let s: Scenario;

  beforeAll(async () => {
    [torale, tdb, clerk] = await Promise.all([
      createToraleDatabase(tpl!.serverUrl, tpl!.runId),
      createTestDatabase(),
      startFakeClerk(),
    ]);
    s = await seedScenario(torale);
    const report = await importFromTorale({ from: torale.url, db: tdb.database.db });
    expect(report.mode).toBe('import');
    t = await startApp(tdb, { env: clerkEnv(clerk, { SMTP_URL: 'log:' }) });
  });
  afterAll(async () => {
    await t?.close();
    await clerk?.close();
    await tdb?.drop();
    await torale?.drop();
  });

  it('a Torale key answers /auth/me and GraphQL me; a key revoked in Torale is refused', async () => {
    const me = await rest(t.app, 'GET', '/auth/me', bearer(s.keys.aliceKey.key));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      id: s.users.alice.id,
      clerk_user_id: s.users.alice.clerkUserId,
      username: 'alice',
    });
    const gql = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...bearer(s.keys.aliceKey.key), 'content-type': 'application/json' },
      payload: { query: '{ me { id clerkUserId email } }' },
    });
    expect(gql.json().data).toEqual({
      me: { id: s.users.alice.id, clerkUserId: s.users.alice.clerkUserId, email: s.users.alice.email },
    });
    const revoked = await t.app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { ...bearer(s.keys.aliceOldKey.key), 'content-type': 'application/json' },
      payload: { query: '{ me { id } }' },
    });
    expect(revoked.json().errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_REVOKED' });
  });

  it('a Torale session (the same Clerk user) sees its tasks and their findings', async () => {
    clerk.addUser({ id: s.users.alice.clerkUserId, email: s.users.alice.email, firstName: 'Ada', role: 'developer' });
    const token = await clerk.token(s.users.alice.clerkUserId, { expiresInSeconds: 600 });
    const list = await rest(t.app, 'GET', '/api/v1/tasks', bearer(token));
    expect(list.status).toBe(200);
    const ids = list.body.map((x: { id: string }) => x.id).sort();
    const mine = Object.values(s.tasks)
      .filter((x) => ![s.tasks.bobPublic.id, s.tasks.carolTask.id].includes(x.id))
      .map((x) => x.id)
      .sort();
    expect(ids).toEqual(mine);
    const notifying = list.body.find((x: { id: string }) => x.id === s.tasks.notifying.id);
    expect(notifying.last_execution_id).toBe(s.executions.met);
    const runs = await rest(t.app, 'GET', `/api/v1/tasks/${s.tasks.notifying.id}/executions`, bearer(token));
    expect(runs.body.map((e: { id: string }) => e.id)).toEqual([
      s.executions.inFlight,
      s.executions.met,
      s.executions.failed,
    ]);
    expect(runs.body[1]).toMatchObject({
      status: 'success',
      notification: 'The launch date is out',
      grounding_sources: [{ url: 'https://www.reuters.com/a', title: 'www.reuters.com' }],
    });
    expect(runs.body[0]).toMatchObject({ status: 'cancelled', error_message: INTERRUPTED });
    // A code Torale sent a few minutes ago still verifies its address.
    const verify = await rest(t.app, 'POST', '/api/v1/email-verification/verify', bearer(token), {
      email: 'pending@example.net',
      code: '654321',
    });
    expect(verify.status, verify.raw).toBe(200);
    expect(verify.body).toEqual({ message: 'Email verified successfully' });
    // The public task of another Torale user stays public.
    const pub = await rest(t.app, 'GET', `/api/v1/public/tasks/id/${s.tasks.bobPublic.id}`);
    expect(pub.status).toBe(200);
  });
});

describe.skipIf(!tpl)('an import into a running gateway', () => {
  let torale: ToraleDb;
  let tdb: TestDatabase;
  let agent: FakeAgent;
  let t: TestApp;

  beforeAll(async () => {
    [torale, tdb, agent] = await Promise.all([
      createToraleDatabase(tpl!.serverUrl, tpl!.runId),
      createTestDatabase(),
      startFakeAgent(),
    ]);
    agent.fallback = {
      kind: 'answer',
      result: { evidence: 'ok', next_run: new Date(Date.now() + 86_400_000).toISOString() },
    };
    t = await startApp(tdb, { env: runEnv(agent.url), jobs: true, ownPool: true });
  });
  afterAll(async () => {
    await t?.close();
    await agent?.close();
    await tdb?.drop();
    await torale?.drop();
  });

  it('each active task runs at its next_run, once; paused ones do not run', async () => {
    const u = await addUser(torale);
    const at = new Date(Date.now() + 8000);
    const soon = await addTask(torale, u.id, { next_run: at.toISOString() });
    const later = await addTask(torale, u.id, { next_run: new Date(Date.now() + 3600_000).toISOString() });
    const paused = await addTask(torale, u.id, { state: 'paused', next_run: null });
    const report = await importFromTorale({ from: torale.url, db: tdb.database.db });
    expect(report.links.scheduled).toBe(2);
    const runsOf = async (taskId: string) =>
      (
        await sql<{ started_at: Date }>`select started_at from task_executions where task_id = ${taskId}`.execute(
          tdb.database.db,
        )
      ).rows;
    await waitFor('the imported task to run', async () => (await runsOf(soon.id)).length > 0, 60_000);
    const [run] = await runsOf(soon.id);
    // Not before its time (the database's clock wrote both).
    expect(run!.started_at.getTime()).toBeGreaterThanOrEqual(at.getTime() - 5);
    await waitFor('its run to finish', async () => (t.container.runs.stats.outcomes.success ?? 0) >= 1, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await runsOf(soon.id)).toHaveLength(1);
    expect(await runsOf(later.id)).toHaveLength(0);
    expect(await runsOf(paused.id)).toHaveLength(0);
    console.log(
      `[import] the imported task ran ${(run!.started_at.getTime() - at.getTime()).toFixed(0)} ms after its next_run`,
    );
  }, 120_000);
});
