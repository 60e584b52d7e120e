import { type Kysely, sql } from 'kysely';

// What the admin console reads across every user, in the order it reads it, so a page or a
// count reads one index and nothing else at a million tasks:
// - active tasks, newest first: the active-only task list, and the count of active tasks
//   (an index-only scan of the partial index, not of the table);
// - every task newest first: the task list;
// - every execution newest first, with its status: the run list, and the last day's run and
//   failure counts (index-only: a range of the index that holds the status);
// - failed executions newest first: the error list.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index tasks_active_created on tasks (created_at desc, id desc) where state = 'active'`.execute(db);
  await sql`create index tasks_created on tasks (created_at desc, id desc)`.execute(db);
  await sql`create index task_executions_started on task_executions (started_at desc, id desc) include (status)`.execute(
    db,
  );
  await sql`create index task_executions_failed on task_executions (started_at desc, id desc)
    where status = 'failed'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const index of ['task_executions_failed', 'task_executions_started', 'tasks_created', 'tasks_active_created']) {
    await sql`drop index if exists ${sql.ref(index)}`.execute(db);
  }
}
