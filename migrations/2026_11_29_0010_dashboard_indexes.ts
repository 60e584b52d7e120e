import { type Kysely, sql } from 'kysely';

// The dashboard's feeds and notification history read newest-first slices:
// - the feeds (own and public) want the latest successful runs that notified, across
//   tasks; a partial index in that order lets the public feed stop after `limit` rows of
//   public tasks instead of sorting every execution;
// - the history lists want one task's deliveries newest first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index task_executions_feed on task_executions (started_at desc, id desc)
    where status = 'success' and notification is not null`.execute(db);
  await sql`create index notification_deliveries_task_created
    on notification_deliveries (task_id, created_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists notification_deliveries_task_created`.execute(db);
  await sql`drop index if exists task_executions_feed`.execute(db);
}
