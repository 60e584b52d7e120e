import { type Kysely, sql } from 'kysely';

// What admins did (issue 28): one row per admin action — who (the admin's user id), what
// (action), to whom (target user and/or task), details, when. Read newest first, keyset-paged
// on (created_at, id) through the index below. Rows outlive the users they name, so the ids
// are kept as they were (no foreign keys: deleting a user must not erase what was done to it).
// Also an index for the admin user list (users newest first).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_audit_log')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('admin_user_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'uuid')
    .addColumn('target_task_id', 'uuid')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .execute();
  await sql`create index admin_audit_log_created on admin_audit_log (created_at desc, id desc)`.execute(db);
  // The admin user list, newest first, paged.
  await sql`create index users_created on users (created_at desc, id desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists users_created`.execute(db);
  await db.schema.dropTable('admin_audit_log').execute();
}
