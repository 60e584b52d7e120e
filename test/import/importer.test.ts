// Import from Torale into a fresh gateway database: a dry run writes nothing and says what would
// change and what cannot be carried (and why); a gateway already holding other data under a
// Torale id refuses (nothing written) unless forced; the import carries each kind of row in the
// gateway's shape, counts add up on both sides; importing twice changes nothing; a run killed
// halfway and run again completes without duplicates and ends where an uninterrupted one does.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SCOPES } from '../../src/auth/viewer.js';
import { INTERRUPTED } from '../../src/import/convert.js';
import { ImportError, importFromTorale } from '../../src/import/importer.js';
import { accounted, verified } from '../../src/import/report.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { waitFor } from '../runs/helpers.js';
import { type Scenario, seedScenario } from './scenario.js';
import { createToraleDatabase, type ToraleDb } from './torale-fixture.js';

const tpl = inject('pgTemplate');
const ROOT = new URL('../..', import.meta.url).pathname;
const TABLES = [
  'users',
  'default_webhooks',
  'api_keys',
  'tasks',
  'task_executions',
  'notification_deliveries',
  'notification_attempts',
  'task_templates',
  'email_sends',
  'email_verifications',
];
const BOB_GATEWAY_ID = randomUUID();

/** Every row of every table the import writes, as one digest per table. */
async function fingerprint(tdb: TestDatabase): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const { rows } = await sql<{ d: string | null; n: number }>`
      select md5(coalesce(string_agg((to_jsonb(t) - 'code_hash')::text, '|' order by (to_jsonb(t) - 'code_hash')::text), '')) as d,
             count(*)::int as n
      from ${sql.table(table)} t`.execute(tdb.database.db);
    out[table] = `${rows[0]?.n}:${rows[0]?.d}`;
  }
  return out;
}

async function gatewayKnowsBob(tdb: TestDatabase, s: Scenario) {
  await sql`insert into users (id, clerk_user_id, email, created_at, updated_at)
    values (${BOB_GATEWAY_ID}, ${s.users.bob.clerkUserId}, 'bob@gateway.example', '2026-01-02T03:04:05Z', '2026-01-02T03:04:05Z')`.execute(
    tdb.database.db,
  );
}

describe.skipIf(!tpl)('import from Torale', () => {
  let torale: ToraleDb;
  let tdb: TestDatabase;
  let s: Scenario;
  let afterFirst: Record<string, string>;

  beforeAll(async () => {
    torale = await createToraleDatabase(tpl!.serverUrl, tpl!.runId);
    s = await seedScenario(torale);
    tdb = await createTestDatabase();
    await gatewayKnowsBob(tdb, s);
  });
  afterAll(async () => {
    await tdb?.drop();
    await torale?.drop();
  });

  const run = (opts: { dryRun?: boolean; force?: boolean; batchSize?: number } = {}) =>
    importFromTorale({ from: torale.url, db: tdb.database.db, batchSize: 3, ...opts });

  it('refuses a database at another alembic revision, or one without a column it reads', async () => {
    await torale.query(`update alembic_version set version_num = 'a7b8c9d0e1f2'`);
    await expect(run()).rejects.toThrow(/alembic revision a7b8c9d0e1f2; this importer reads c5e8f9d23b41/);
    await torale.query(`update alembic_version set version_num = 'c5e8f9d23b41'`);
    await torale.query('alter table tasks rename column context to ctx');
    await expect(run({ dryRun: true })).rejects.toThrow(ImportError);
    await expect(run({ dryRun: true })).rejects.toThrow(/lacks columns the importer reads: tasks.context/);
    await torale.query('alter table tasks rename column ctx to context');
  });

  it('a dry run writes nothing and reports what would change and what cannot be carried', async () => {
    const before = await fingerprint(tdb);
    const report = await run({ dryRun: true });
    expect(await fingerprint(tdb)).toEqual(before);
    expect(report.mode).toBe('dry-run');
    const step = (name: string) => report.steps.find((x) => x.name === name)!;
    for (const x of report.steps) expect(accounted(x), x.name).toBe(true);
    expect(step('users')).toMatchObject({ source: 3, new: 2, merged: 1 });
    expect(step('tasks')).toMatchObject({ source: 9, new: 9 });
    expect(step('executions')).toMatchObject({ source: 5, new: 5 });
    const converted = step('tasks').converted.map((r) => r.reason);
    expect(converted).toContain('webhook notification dropped: Webhook URL must use HTTPS');
    expect(converted).toContain('attached connectors not carried (the gateway has no connectors)');
    expect(step('executions').converted.map((r) => r.reason)).toContain(`a running run was cancelled: ${INTERRUPTED}`);
    expect(step('connectors').notCarried[0]?.reason).toMatch(/the gateway has no connectors/);
    expect(step('templates')).toMatchObject({ new: 1 });
    expect(step('waitlist')).toMatchObject({ source: 2, new: 2, notCarried: [] });
    expect(step('email verifications').notCarried.map((r) => r.reason)).toEqual([
      'an expired, unused verification code (nothing left to finish)',
    ]);
  });

  it('refuses, writing nothing, when the gateway holds other data under a Torale id', async () => {
    await sql`insert into tasks (id, user_id, name, search_query, condition_description, state)
      values (${s.tasks.paused.id}, ${BOB_GATEWAY_ID}, 'Something else', 'q', 'c', 'paused')`.execute(tdb.database.db);
    const before = await fingerprint(tdb);
    const report = await run();
    expect(report.mode).toBe('refused');
    expect(report.conflicts).toContainEqual({
      step: 'tasks',
      key: s.tasks.paused.id,
      columns: expect.arrayContaining(['user_id', 'name', 'search_query']),
    });
    expect(await fingerprint(tdb)).toEqual(before);
    await sql`delete from tasks where id = ${s.tasks.paused.id}`.execute(tdb.database.db);
  });

  it('imports every kind of row in the gateway’s shape; the counts add up on both sides', async () => {
    const report = await run();
    expect(report.mode).toBe('import');
    for (const x of report.steps) expect(accounted(x) && verified(x, 'import'), x.name).toBe(true);
    const db = tdb.database.db;
    const count = async (table: string) =>
      (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]!.n;
    expect(await count('users')).toBe(3); // alice, carol, and bob as the gateway knew him
    expect(await count('api_keys')).toBe(3);
    expect(await count('tasks')).toBe(9);
    expect(await count('task_executions')).toBe(5);
    expect(await count('notification_deliveries')).toBe(2);
    const waitlist = await db.selectFrom('waitlist').select(['email', 'status']).orderBy('email').execute();
    expect(waitlist).toEqual([
      { email: 'w1@example.org', status: 'pending' },
      { email: 'w2@example.org', status: 'invited' },
    ]);

    // Timestamps keep their microseconds.
    const [tu] = await torale.query<{ c: string }>(`select created_at::text as c from users where id = $1`, [
      s.users.alice.id,
    ]);
    const gu = await sql<{ c: string }>`select created_at::text as c from users where id = ${s.users.alice.id}`.execute(
      db,
    );
    expect(gu.rows[0]?.c).toBe(tu?.c);

    const key = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', s.keys.aliceKey.id)
      .executeTakeFirstOrThrow();
    expect(key).toMatchObject({ key_prefix: s.keys.aliceKey.prefix, key_hash: s.keys.aliceKey.hash, is_active: true });
    expect([...key.scopes].sort()).toEqual([...SCOPES].sort());
    const old = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', s.keys.aliceOldKey.id)
      .executeTakeFirstOrThrow();
    expect(old.is_active).toBe(false);
    expect(old.revoked_at).toEqual(old.last_used_at);
    const bobKey = await db
      .selectFrom('api_keys')
      .select('user_id')
      .where('id', '=', s.keys.bobKey.id)
      .executeTakeFirst();
    expect(bobKey?.user_id).toBe(BOB_GATEWAY_ID);

    const task = async (id: string) =>
      db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const notifying = await task(s.tasks.notifying.id);
    expect(notifying.notifications).toEqual([
      { type: 'email', address: 'alerts@example.net' },
      { type: 'webhook', url: 'https://hooks.example.com/t1', method: 'POST', headers: { 'X-Team': 'ops' } },
    ]);
    expect(notifying.webhook_secret).toBe('task-one-secret');
    expect(notifying.last_execution_id).toBe(s.executions.met);
    expect(notifying.next_dispatch_at).toEqual(notifying.next_run);
    const channelHook = await task(s.tasks.channelHook.id);
    expect(channelHook.notifications).toEqual([
      { type: 'webhook', url: 'https://hooks.example.com/alice', method: 'POST', headers: {} },
    ]);
    expect(channelHook.webhook_secret).toBe('alice-default-secret');
    expect((await task(s.tasks.legacyHook.id)).notifications).toEqual([]);
    const oddOne = await task(s.tasks.oddOne.id);
    expect(oddOne.search_query).toBe('The price drops below 100');
    expect(oddOne.context).toEqual({ project: 'atlas', depth: { a: [1, 2] } });
    const overdue = await task(s.tasks.overdue.id);
    expect(overdue.next_dispatch_at).toEqual(overdue.next_run); // due now: it runs at once
    expect((await task(s.tasks.paused.id)).next_dispatch_at).toBeNull();
    const fork = await task(s.tasks.fork.id);
    expect(fork.forked_from_task_id).toBe(s.tasks.bobPublic.id);
    const [tf] = await torale.query<{ u: string }>(`select updated_at::text as u from tasks where id = $1`, [
      s.tasks.fork.id,
    ]);
    const gf = await sql<{ u: string }>`select updated_at::text as u from tasks where id = ${s.tasks.fork.id}`.execute(
      db,
    );
    expect(gf.rows[0]?.u).toBe(tf?.u); // setting the fork parent is not an edit
    expect((await task(s.tasks.bobPublic.id)).user_id).toBe(BOB_GATEWAY_ID);

    const exec = async (id: string) =>
      db.selectFrom('task_executions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const met = await exec(s.executions.met);
    expect(met.grounding_sources).toEqual([{ url: 'https://www.reuters.com/a', title: 'www.reuters.com' }]);
    expect(met.result).toMatchObject({
      evidence: 'Nothing yet',
      notification: 'The launch date is out',
      confidence: 80,
      grounding_sources: met.grounding_sources,
      metadata: { changed: true, current_state: null },
      notification_failed: false,
      auto_complete_failed: false,
    });
    expect(met.result).not.toHaveProperty('sources');
    expect((await exec(s.executions.oldStyle)).grounding_sources).toEqual([
      { url: 'https://apnews.com/x', title: 'apnews.com' },
      { url: 'https://example.org/y', title: 'Example' },
    ]);
    expect(await exec(s.executions.inFlight)).toMatchObject({ status: 'cancelled', error_message: INTERRUPTED });
    expect((await exec(s.executions.failed)).result).toBeNull();

    const deliveries = await db.selectFrom('notification_deliveries').selectAll().orderBy('attempts').execute();
    expect(deliveries.map((d) => [d.id, d.status, d.attempts])).toEqual([
      [s.deliveries.delivered, 'delivered', 1],
      [s.deliveries.waiting, 'failed', 2],
    ]);
    const attempts = await db.selectFrom('notification_attempts').selectAll().orderBy('attempt').execute();
    expect(attempts.map((a) => [a.delivery_id, a.status_code])).toEqual([
      [s.deliveries.delivered, 200],
      [s.deliveries.waiting, 503],
    ]);
    const hook = await db.selectFrom('default_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(hook).toMatchObject({ user_id: s.users.alice.id, url: 'https://hooks.example.com/alice', enabled: true });
    const sends = await db.selectFrom('email_sends').selectAll().execute();
    expect(sends).toMatchObject([
      { user_id: s.users.alice.id, task_id: s.tasks.notifying.id, execution_id: s.executions.met, status: 'delivered' },
    ]);
    const alice = await db.selectFrom('users').selectAll().where('id', '=', s.users.alice.id).executeTakeFirstOrThrow();
    expect(alice.verified_notification_emails).toEqual(['alerts@example.net']);
    const codes = await db.selectFrom('email_verifications').selectAll().orderBy('email').execute();
    expect(codes.map((c) => [c.email, c.verified_at !== null])).toEqual([
      ['alerts@example.net', true],
      ['pending@example.net', false],
    ]);
    expect(await bcrypt.compare('654321', codes[1]!.code_hash)).toBe(true);
    const templates = await db.selectFrom('task_templates').select('name').execute();
    expect(templates.filter((t) => t.name === 'Torale-only template')).toHaveLength(1);
    afterFirst = await fingerprint(tdb);
  });

  it('importing again changes nothing', async () => {
    const report = await run({ batchSize: 2 });
    expect(report.mode).toBe('import');
    expect(report.steps.reduce((n, x) => n + x.new + x.updated, 0)).toBe(0);
    expect(await fingerprint(tdb)).toEqual(afterFirst);
  });

  it('killed halfway and run again: completes, nothing duplicated, the same as an uninterrupted import', async () => {
    // More history, so there is a "halfway" to kill at.
    await torale.query(
      `insert into task_executions (task_id, status, started_at, completed_at, result, grounding_sources)
      select $1, 'success', now() - make_interval(mins => g), now() - make_interval(mins => g),
             '{"evidence":"e","confidence":50}', '[]' from generate_series(1, 3000) g`,
      [s.tasks.overdue.id],
    );
    const fresh = await createTestDatabase();
    try {
      await gatewayKnowsBob(fresh, s);
      const cli = () =>
        spawn(
          process.execPath,
          ['--import', 'tsx', 'src/cli/import-torale.ts', '--from', torale.url, '--batch-size', '25'],
          {
            cwd: ROOT,
            env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', DATABASE_URL: fresh.url! },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
      const executions = async () =>
        (await sql<{ n: number }>`select count(*)::int as n from task_executions`.execute(fresh.database.db)).rows[0]!
          .n;
      const first = cli();
      const exited = new Promise((r) => first.on('exit', r));
      await waitFor('the import to be half-way through executions', async () => (await executions()) > 500, 120_000);
      first.kill('SIGKILL');
      await exited;
      const atKill = await executions();
      expect(atKill).toBeLessThan(3005);
      const second = cli();
      let out = '';
      second.stdout.on('data', (d) => {
        out += d;
      });
      const code = await new Promise((r) => second.on('exit', r));
      expect(code, out).toBe(0);
      expect(out).toMatch(/executions\s+3,005\s+\d/);
      expect(await executions()).toBe(3005);
      // Same rows as an import that was never interrupted (the first database, brought up to date).
      await importFromTorale({ from: torale.url, db: tdb.database.db });
      expect(await fingerprint(fresh)).toEqual(await fingerprint(tdb));
      console.log(`[import] killed with ${atKill} of 3,005 executions written; the second run completed`);
    } finally {
      await fresh.drop();
    }
  }, 240_000);
  it('with force, Torale’s data replaces what the gateway changed under its ids', async () => {
    const db = tdb.database.db;
    await db
      .updateTable('tasks')
      .set({ name: 'Renamed in the gateway' })
      .where('id', '=', s.tasks.notifying.id)
      .execute();
    const refused = await run({ batchSize: 500 });
    expect(refused.mode).toBe('refused');
    expect(refused.conflicts).toEqual([{ step: 'tasks', key: s.tasks.notifying.id, columns: ['name'] }]);
    const forced = await run({ force: true, batchSize: 500 });
    expect(forced.mode).toBe('import');
    expect(forced.steps.find((x) => x.name === 'tasks')).toMatchObject({ updated: 1, same: 8, new: 0 });
    const task = await db.selectFrom('tasks').select('name').where('id', '=', s.tasks.notifying.id).executeTakeFirst();
    expect(task?.name).toBe(s.tasks.notifying.name);
    expect((await run({ batchSize: 500 })).mode).toBe('import');
  }, 120_000);
});
