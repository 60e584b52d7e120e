import { type Kysely, sql } from 'kysely';

// A user an admin deactivated (PATCH /admin/users/{id}/deactivate) is disabled_by 'admin':
// a Clerk unban or update does not enable them again (only an admin's reactivate does).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table clerk_user_state drop constraint clerk_user_state_disabled_by_check`.execute(db);
  await sql`alter table clerk_user_state add constraint clerk_user_state_disabled_by_check
    check (disabled_by in ('clerk', 'deleted', 'admin'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update clerk_user_state set disabled_by = null where disabled_by = 'admin'`.execute(db);
  await sql`alter table clerk_user_state drop constraint clerk_user_state_disabled_by_check`.execute(db);
  await sql`alter table clerk_user_state add constraint clerk_user_state_disabled_by_check
    check (disabled_by in ('clerk', 'deleted'))`.execute(db);
}
