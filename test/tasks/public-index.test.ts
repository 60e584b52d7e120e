// The public index (total and deep-offset bookmarks) kept up to date from the change log:
// after any mix of tasks created, deleted, made public or private and counted, an incremental
// refresh answers exactly what a fresh count and OFFSET answer — and a refresh reads the
// changes, one statement when there are none, never the public tasks themselves (issue 29).
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicKey } from '../../src/tasks/public-tasks.repository.js';
import { createPublicTasksService } from '../../src/tasks/public-tasks.service.js';
import type { PublicSort } from '../../src/tasks/task-states.js';
import { testUser } from '../helpers/container.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const STRIDE = 5;
let tdb: TestDatabase;
let userId: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ({
    user: { id: userId },
  } = await testUser(tdb));
});
afterAll(async () => {
  await tdb?.drop();
});

const ORDER = {
  recent: sql`created_at desc, id desc`,
  popular: sql`subscriber_count desc, view_count desc, created_at desc, id desc`,
};

/** Public tasks at or before `key` in sort order, counted from scratch. */
async function countUpTo(sort: PublicSort, key: PublicKey): Promise<number> {
  const db = tdb.database.db;
  const q =
    sort === 'recent'
      ? sql<{ n: number }>`select count(*)::int as n from tasks
          where is_public and (created_at, id) >= (${key[0]}::timestamptz, ${key[1]}::uuid)`
      : sql<{ n: number }>`select count(*)::int as n from tasks
          where is_public and (subscriber_count, view_count, created_at, id)
            >= (${key[0]}::int, ${key[1]}::int, ${key[2]}::timestamptz, ${key[3]}::uuid)`;
  return (await q.execute(db)).rows[0]!.n;
}

type Op =
  | { kind: 'create'; n: number; isPublic: boolean; minutes: number }
  | { kind: 'delete' | 'publish' | 'hide' | 'view' | 'subscribe'; pick: number };

async function apply(op: Op): Promise<void> {
  const db = tdb.database.db;
  if (op.kind === 'create') {
    await sql`insert into tasks (user_id, name, search_query, condition_description, state, is_public, view_count, subscriber_count, created_at)
      select ${userId}, 'ix ' || gen_random_uuid(), 'q', 'c', 'paused', ${op.isPublic}, g % 4, g % 3,
             timestamptz '2026-01-01' + make_interval(mins => ${op.minutes} + g % 3)
      from generate_series(1, ${op.n}) g`.execute(db);
    return;
  }
  // The pick-th task (by id), whatever it is: some picks change nothing, as in life.
  const target = sql`(select id from tasks order by id offset ${op.pick} % greatest((select count(*) from tasks), 1) limit 1)`;
  const change = {
    delete: sql`delete from tasks where id = ${target}`,
    publish: sql`update tasks set is_public = true where id = ${target}`,
    hide: sql`update tasks set is_public = false where id = ${target}`,
    view: sql`update tasks set view_count = view_count + 1 where id = ${target}`,
    subscribe: sql`update tasks set subscriber_count = subscriber_count + 1 where id = ${target}`,
  }[op.kind];
  await change.execute(db);
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    n: fc.integer({ min: 1, max: 25 }),
    isPublic: fc.boolean(),
    minutes: fc.integer({ min: 0, max: 600 }),
  }),
  fc.record({
    kind: fc.constantFrom(
      'delete' as const,
      'publish' as const,
      'hide' as const,
      'view' as const,
      'subscribe' as const,
    ),
    pick: fc.nat(),
  }),
);

describe('the public index', () => {
  it('after any changes, an incremental refresh answers what a fresh count and OFFSET answer', async () => {
    const db = tdb.database.db;
    const service = createPublicTasksService({ db }, { stride: STRIDE, refreshMs: 0, retentionSeconds: 600 });
    await apply({ kind: 'create', n: 40, isPublic: true, minutes: 0 });
    await service.index.refresh();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const o of ops) await apply(o);
        const state = await service.index.refresh();
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from tasks where is_public`.execute(db);
        expect(state.total).toBe(rows[0]!.n);
        for (const sort of ['recent', 'popular'] as const) {
          let prev = 0;
          for (const m of state.marks[sort]) {
            expect(m.upTo).toBe(await countUpTo(sort, m.key));
            expect(m.upTo - prev).toBeLessThanOrEqual(2 * STRIDE);
            prev = m.upTo;
          }
          expect(state.total - prev).toBeLessThanOrEqual(2 * STRIDE);
          for (const offset of [STRIDE, STRIDE + 3, 2 * STRIDE + 1, Math.max(0, state.total - 2)]) {
            const got = (await service.list({ offset, limit: 4, sort_by: sort })).map((x) => x.id);
            const want = await sql<{ id: string }>`
              select id from tasks where is_public order by ${ORDER[sort]} offset ${offset} limit 4`.execute(db);
            expect(got, `${sort} at ${offset}`).toEqual(want.rows.map((r) => r.id));
          }
        }
      }),
      { numRuns: 25 },
    );
    expect(service.index.stats.fullReads).toBe(1);
  }, 120_000);

  it('a refresh with nothing changed is one statement, on the change log only', async () => {
    const database = tdb.database;
    const service = createPublicTasksService(
      { db: database.db },
      { stride: STRIDE, refreshMs: 0, retentionSeconds: 600 },
    );
    await service.index.refresh(); // the first read is in full
    const before = database.stats.queries;
    await service.index.refresh();
    expect(database.stats.queries - before).toBe(1);
    await service.index.refresh();
    await service.total();
    expect(service.index.stats).toMatchObject({ fullReads: 1, changes: 0 });
  });
});
