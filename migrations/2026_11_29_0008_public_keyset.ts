import { type Kysely, sql } from 'kysely';

// The public list pages by keyset: its indexes end with the id, the tiebreaker of every
// sort, so "after this key" is one index range for both sorts.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index tasks_public_recent_key on tasks (created_at desc, id desc) where is_public`.execute(db);
  await sql`create index tasks_public_popular_key
    on tasks (subscriber_count desc, view_count desc, created_at desc, id desc) where is_public`.execute(db);
  await sql`drop index if exists tasks_public_recent`.execute(db);
  await sql`drop index if exists tasks_public_popular`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`create index tasks_public_recent on tasks (created_at desc) where is_public`.execute(db);
  await sql`create index tasks_public_popular on tasks (subscriber_count desc, view_count desc, created_at desc) where is_public`.execute(
    db,
  );
  await sql`drop index if exists tasks_public_recent_key`.execute(db);
  await sql`drop index if exists tasks_public_popular_key`.execute(db);
}
