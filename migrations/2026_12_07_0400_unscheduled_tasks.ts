import { type Kysely, sql } from 'kysely';

// Active tasks without a schedule (next_dispatch_at null): those with a run under way, and
// any the schedule lost (an import, a restored backup, a hand edit). The sweeper looks
// for the latter through this index, whose size is the number of runs in flight plus the
// lost ones — not the size of the tasks table.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index tasks_unscheduled_active on tasks (id)
    where state = 'active' and next_dispatch_at is null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists tasks_unscheduled_active`.execute(db);
}
