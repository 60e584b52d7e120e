import { type Kysely, sql } from 'kysely';

// Torale's waitlist (its landing page's sign-up queue), with the columns Torale has so its
// rows import as they are. One entry per address whatever its case: the unique index
// decides a duplicate, so concurrent sign-ups of one address cannot make two rows. The
// admin list reads by status in sign-up order; the public position counts pending entries
// before one, through the same index.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('waitlist')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('invited_at', 'timestamptz')
    .addColumn('notes', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`clock_timestamp()`))
    .addCheckConstraint('waitlist_status_check', sql`status in ('pending', 'invited', 'converted')`)
    .execute();
  await sql`create unique index waitlist_email_key on waitlist (lower(email))`.execute(db);
  await sql`create index waitlist_status_created on waitlist (status, created_at, id)`.execute(db);
  await sql`create index waitlist_created on waitlist (created_at, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('waitlist').execute();
}
