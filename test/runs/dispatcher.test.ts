// The dispatcher's cost when there is nothing to do: one statement per poll (issue 29) — a
// batch is a transaction (BEGIN, the dispatch statement, COMMIT), so an idle instance used to
// send three every poll interval, forever.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.js';
import type { JobQueue } from '../../src/engine/job-engine.js';
import { createLogger } from '../../src/lib/logger.js';
import { Dispatcher } from '../../src/runs/dispatcher.js';
import type { ExecutionJob } from '../../src/runs/run-context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let tdb: TestDatabase;
let database: Database;
const enqueued: string[] = [];
// Only what the dispatcher calls: the jobs of the executions it started, in its transaction.
const queue: JobQueue<ExecutionJob> = {
  add: async () => {},
  addMany: async (_db, jobs) => {
    enqueued.push(...jobs.map((j) => j.id));
  },
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  database = await tdb.open();
});
afterAll(async () => {
  await database?.close();
  await tdb?.drop();
});

describe('the dispatcher', () => {
  it('polls an idle database with one statement, and still starts what is due', async () => {
    const d = new Dispatcher(database.db, queue, createLogger('silent'), {
      dispatchBatchSize: 50,
      pollSeconds: 60,
      heldRecheckSeconds: 60,
    });
    const { rows } = await sql<{ id: string }>`
      insert into users (clerk_user_id, email) values ('user_dispatch', 'd@example.com') returning id`.execute(
      database.db,
    );
    // Scheduled, but not yet: nothing is due.
    await sql`insert into tasks (user_id, name, search_query, condition_description, state, next_dispatch_at)
      values (${rows[0]!.id}, 'later', 'q', 'c', 'active', now() + interval '1 hour')`.execute(database.db);
    const before = database.stats.queries;
    for (let i = 0; i < 5; i++) expect(await d.poll()).toBe(0);
    expect(database.stats.queries - before).toBe(5);

    await sql`update tasks set next_dispatch_at = now() where name = 'later'`.execute(database.db);
    expect(await d.poll()).toBe(1);
    expect(enqueued).toHaveLength(1);
    const { rows: live } = await sql<{ id: string }>`
      select e.id from task_executions e join tasks t on t.id = e.task_id where t.name = 'later'`.execute(database.db);
    expect(live.map((r) => r.id)).toEqual(enqueued);
    expect(d.stats).toMatchObject({ polls: 6, batches: 1, started: 1 });
  });
});
