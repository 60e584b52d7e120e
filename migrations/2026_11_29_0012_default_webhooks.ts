import { type Kysely, sql } from 'kysely';

// A user's default webhook (dashboard settings): the target new tasks get when they are
// created without a notifications list. Kept apart from `users`, so the signing secret never
// travels with the user row that every request loads. One row per user; clearing the URL
// deletes it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('default_webhooks')
    .addColumn('user_id', 'uuid', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    // HMAC key for signatures; shown to the user once, when it is made.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create trigger default_webhooks_set_updated_at before update on default_webhooks
    for each row execute function set_updated_at()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('default_webhooks').execute();
}
