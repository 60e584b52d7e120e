// The task rules at the service level: the services called directly, with real
// repositories on this file's database and no HTTP in between (model: immich's medium
// tests). The HTTP tests beside this file check the same rules through REST and GraphQL.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type Viewer } from '../../src/auth/viewer.js';
import type { Container } from '../../src/container.js';
import type { AppError } from '../../src/errors.js';
import { MAX_ACTIVE_TASKS } from '../../src/tasks/tasks.rules.js';
import type { CreateTaskBody } from '../../src/tasks/tasks.schemas.js';
import { testContainer, testUser } from '../helpers/container.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let c: Container;

beforeAll(async () => {
  tdb = await createTestDatabase();
  c = testContainer(tdb);
});
afterAll(async () => {
  await c?.close();
  await tdb?.drop();
});

/** The AppError a call rejects with (status and detail are what a client sees). */
async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected the call to be refused');
}

const create = (viewer: Viewer, body: Partial<CreateTaskBody> = {}) =>
  c.services.tasks.create(viewer, { search_query: 'When is the next iPhone release?', ...body });

describe('creating', () => {
  it('names tasks "New Monitor", "New Monitor 2", …, defaults the condition and schedules active ones', async () => {
    const { viewer } = await testUser(tdb);
    const a = await create(viewer);
    const b = await create(viewer, { state: 'paused' });
    expect([a.task.name, b.task.name]).toEqual(['New Monitor', 'New Monitor 2']);
    expect(a.task.condition_description).toBe(a.task.search_query);
    expect(a.task.next_run).toBeInstanceOf(Date);
    expect(b.task.next_run).toBeNull();
  });

  it('refuses a name the user already has with 409, and anonymous callers with 401', async () => {
    const { viewer } = await testUser(tdb);
    await create(viewer, { name: 'Mine' });
    const dup = await refusal(create(viewer, { name: 'Mine' }));
    expect([dup.status, dup.detail]).toEqual([409, 'A task named "Mine" already exists']);
    const anon = await refusal(create(ANONYMOUS));
    expect([anon.status, anon.detail]).toEqual([401, 'Authorization header missing']);
  });

  it(`allows ${MAX_ACTIVE_TASKS} active tasks per user, then a clear 400; paused ones still fit`, async () => {
    const { viewer } = await testUser(tdb);
    for (let i = 0; i < MAX_ACTIVE_TASKS; i++) await create(viewer, { name: `t${i}` });
    const over = await refusal(create(viewer, { name: 'one too many' }));
    expect(over.status).toBe(400);
    expect(over.detail).toBe(
      `Active task limit reached: at most ${MAX_ACTIVE_TASKS} active tasks per user. Pause or complete a task first.`,
    );
    expect((await create(viewer, { name: 'paused', state: 'paused' })).task.state).toBe('paused');
    expect(await c.services.tasks.list(viewer, 'active')).toHaveLength(MAX_ACTIVE_TASKS);
  });

  it('replays an Idempotency-Key: same task, nothing created twice; another body is a 422', async () => {
    const { viewer } = await testUser(tdb);
    const a = await c.services.tasks.create(viewer, { search_query: 'q', name: 'idem' }, { idempotencyKey: 'k-1' });
    const b = await c.services.tasks.create(viewer, { search_query: 'q', name: 'idem' }, { idempotencyKey: 'k-1' });
    expect(b.task.id).toBe(a.task.id);
    const other = await refusal(c.services.tasks.create(viewer, { search_query: 'other' }, { idempotencyKey: 'k-1' }));
    expect(other.status).toBe(422);
    expect((await c.services.tasks.list(viewer)).filter((t) => t.name === 'idem')).toHaveLength(1);
  });
});

describe('the state machine', () => {
  it.each([
    ['active', 'paused', true],
    ['paused', 'active', true],
    ['active', 'completed', true],
    ['completed', 'active', true],
    ['paused', 'completed', false],
    ['completed', 'paused', false],
  ] as const)('%s → %s allowed: %s', async (from, to, allowed) => {
    const { viewer } = await testUser(tdb);
    const { task } = await create(viewer, { state: from, name: 'sm' });
    if (allowed) {
      const { task: after } = await c.services.tasks.update(viewer, task.id, { state: to });
      expect(after.state).toBe(to);
      expect(after.next_run === null).toBe(to !== 'active');
    } else {
      const e = await refusal(c.services.tasks.update(viewer, task.id, { state: to, name: 'changed' }));
      expect([e.status, e.detail]).toEqual([400, `Invalid state transition: Cannot transition from ${from} to ${to}`]);
      const [unchanged] = await c.services.tasks.list(viewer);
      expect([unchanged?.state, unchanged?.name]).toEqual([from, 'sm']);
    }
  });

  it("another user's task is not found, whatever the request", async () => {
    const owner = await testUser(tdb);
    const other = await testUser(tdb);
    const { task } = await create(owner.viewer);
    for (const call of [
      () => c.services.tasks.update(other.viewer, task.id, { state: 'paused' }),
      () => c.services.tasks.remove(other.viewer, task.id),
      () => c.services.executions.execute(other.viewer, task.id, false),
      () => c.services.sharing.setVisibility(other.viewer, task.id, true),
      () => c.services.sharing.get(other.viewer, task.id),
    ]) {
      const e = await refusal(call());
      expect([e.status, e.detail]).toEqual([404, 'Task not found']);
    }
  });
});

describe('sharing and forks', () => {
  it('a public task is seen by others scrubbed and counted; its owner sees it whole', async () => {
    const owner = await testUser(tdb);
    const other = await testUser(tdb);
    const { task } = await create(owner.viewer, {
      notifications: [{ type: 'email', address: 'owner@example.com' }],
    });
    await c.services.sharing.setVisibility(owner.viewer, task.id, true);
    const seen = await c.services.sharing.get(other.viewer, task.id);
    expect(seen.owner).toBe(false);
    expect(seen.task.notifications).toEqual([]);
    expect(seen.task.view_count).toBe(1);
    const anon = (await c.services.sharing.getPublic(ANONYMOUS, task.id, '10.1.1.1')).task;
    expect(anon.view_count).toBe(2);
    const own = await c.services.sharing.get(owner.viewer, task.id);
    expect(own.owner).toBe(true);
    expect(own.task.notifications).toEqual([{ type: 'email', address: 'owner@example.com' }]);
  });

  it("forking someone's public task: paused, private, no notifications, named (Copy); one subscriber per user", async () => {
    const owner = await testUser(tdb);
    const other = await testUser(tdb);
    const { task } = await create(owner.viewer, {
      name: 'Launch watch',
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/x' }],
    });
    const refused = await refusal(c.services.sharing.fork(other.viewer, task.id));
    expect(refused.status).toBe(404);
    await c.services.sharing.setVisibility(owner.viewer, task.id, true);
    const a = await c.services.sharing.fork(other.viewer, task.id);
    const b = await c.services.sharing.fork(other.viewer, task.id);
    expect([a.task.name, b.task.name]).toEqual(['Launch watch (Copy)', 'Launch watch (Copy 2)']);
    expect(a.task).toMatchObject({
      state: 'paused',
      is_public: false,
      notifications: [],
      forked_from_task_id: task.id,
    });
    expect(a.webhookSecret).toBeUndefined();
    const third = await testUser(tdb);
    await c.services.sharing.fork(third.viewer, task.id);
    const source = await c.services.sharing.get(owner.viewer, task.id);
    expect(source.task.subscriber_count).toBe(2); // two users, three forks
  });

  it('forking your own task keeps its notifications with a new webhook secret, and no subscriber', async () => {
    const { viewer } = await testUser(tdb);
    const { task, webhookSecret } = await create(viewer, {
      name: 'own',
      notifications: [{ type: 'webhook', url: 'https://hooks.example.com/y' }],
    });
    const fork = await c.services.sharing.fork(viewer, task.id, 'own fork');
    expect(fork.task.name).toBe('own fork');
    expect(fork.task.notifications).toEqual(task.notifications);
    expect(fork.webhookSecret).toMatch(/^whsec_/);
    expect(fork.webhookSecret).not.toBe(webhookSecret);
    expect((await c.services.sharing.get(viewer, task.id)).task.subscriber_count).toBe(0);
  });

  it('the public list carries only public tasks, scrubbed, with the total', async () => {
    const { viewer } = await testUser(tdb);
    const { task } = await create(viewer, {
      name: 'listed',
      notifications: [{ type: 'email', address: 'a@example.com' }],
    });
    await c.services.sharing.setVisibility(viewer, task.id, true);
    const tasks = await c.services.publicTasks.list({ offset: 0, limit: 100, sort_by: 'recent' });
    const mine = tasks.find((t) => t.id === task.id);
    expect(mine?.notifications).toEqual([]);
    expect(tasks.every((t) => t.is_public)).toBe(true);
    expect(await c.services.publicTasks.total()).toBe(tasks.length);
  });
});

describe('counters users cannot inflate, and a cap on tasks', () => {
  it('a view counts once per viewer a day: an address, a signed-in user; the owner never', async () => {
    const owner = await testUser(tdb);
    const other = await testUser(tdb);
    const { task } = await create(owner.viewer, { name: 'viewed' });
    await c.services.sharing.setVisibility(owner.viewer, task.id, true);
    const counts: number[] = [];
    for (let i = 0; i < 5; i++)
      counts.push((await c.services.sharing.getPublic(ANONYMOUS, task.id, '192.0.2.7')).task.view_count);
    counts.push((await c.services.sharing.getPublic(ANONYMOUS, task.id, '192.0.2.8')).task.view_count);
    for (let i = 0; i < 3; i++)
      counts.push((await c.services.sharing.get(other.viewer, task.id, '192.0.2.7')).task.view_count);
    await c.services.sharing.get(owner.viewer, task.id, '192.0.2.9');
    expect(counts).toEqual([1, 1, 1, 1, 1, 2, 3, 3, 3]);
    const stored = await tdb.database.db
      .selectFrom('task_views')
      .select('viewer')
      .where('task_id', '=', task.id)
      .execute();
    expect(stored).toHaveLength(3);
    // Addresses are kept only as digests.
    expect(JSON.stringify(stored)).not.toContain('192.0.2');
  });

  it('tasks per user are capped (any state), for creates and forks, with a clear 400', async () => {
    const capped = testContainer(tdb, { MAX_TASKS_PER_USER: '3' });
    try {
      const { viewer } = await testUser(tdb);
      const other = await testUser(tdb);
      const { task: shared } = await capped.services.tasks.create(other.viewer, { search_query: 'q', name: 'shared' });
      await capped.services.sharing.setVisibility(other.viewer, shared.id, true);
      for (const state of ['paused', 'completed', 'active'] as const) {
        await capped.services.tasks.create(viewer, { search_query: 'q', name: state, state });
      }
      const expected = 'Task limit reached: at most 3 tasks per user. Delete a task first.';
      const create4 = await refusal(capped.services.tasks.create(viewer, { search_query: 'q', state: 'paused' }));
      expect([create4.status, create4.detail]).toEqual([400, expected]);
      const fork4 = await refusal(capped.services.sharing.fork(viewer, shared.id));
      expect([fork4.status, fork4.detail]).toEqual([400, expected]);
      const [first] = await capped.services.tasks.list(viewer);
      await capped.services.tasks.remove(viewer, first!.id);
      expect((await capped.services.sharing.fork(viewer, shared.id)).task.state).toBe('paused');
    } finally {
      await capped.close();
    }
  });
});

describe('Idempotency-Keys expire after 24 hours', () => {
  it('an expired key is a new request; the hourly cleanup deletes expired keys and old view marks', async () => {
    const { viewer, user } = await testUser(tdb);
    const db = tdb.database.db;
    const first = await c.services.tasks.create(viewer, { search_query: 'q', name: 'k1' }, { idempotencyKey: 'exp-1' });
    const age = (hours: number) =>
      sql`update idempotency_keys set created_at = now() - make_interval(hours => ${hours}) where user_id = ${user.id}`.execute(
        db,
      );
    await age(23);
    const reused = await refusal(
      c.services.tasks.create(viewer, { search_query: 'other' }, { idempotencyKey: 'exp-1' }),
    );
    expect(reused.status).toBe(422);
    await age(25);
    const second = await c.services.tasks.create(
      viewer,
      { search_query: 'other', name: 'k2' },
      { idempotencyKey: 'exp-1' },
    );
    expect(second.task.id).not.toBe(first.task.id);
    // The key now belongs to the second request.
    const replay = await c.services.tasks.create(
      viewer,
      { search_query: 'other', name: 'k2' },
      { idempotencyKey: 'exp-1' },
    );
    expect(replay.task.id).toBe(second.task.id);

    await age(25);
    await c.services.tasks.create(viewer, { search_query: 'q', name: 'k3' }, { idempotencyKey: 'fresh' });
    await sql`update idempotency_keys set created_at = now() where key = 'fresh'`.execute(db);
    await sql`insert into task_views (task_id, day, viewer) values (${first.task.id}, current_date - 5, 'a:old'), (${first.task.id}, current_date, 'a:new')`.execute(
      db,
    );
    expect(await c.services.tasks.cleanup()).toBeGreaterThanOrEqual(1);
    expect(await c.services.sharing.cleanup()).toBeGreaterThanOrEqual(1);
    const keys = await db.selectFrom('idempotency_keys').select('key').where('user_id', '=', user.id).execute();
    expect(keys).toEqual([{ key: 'fresh' }]);
    const views = await db.selectFrom('task_views').select('viewer').where('task_id', '=', first.task.id).execute();
    expect(views).toEqual([{ viewer: 'a:new' }]);
  });
});
