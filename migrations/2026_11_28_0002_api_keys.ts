import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // The first 15 characters of the key: looked up on every API-key request.
    .addColumn('key_prefix', 'text', (c) => c.notNull().unique())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('revoked_at', 'timestamptz')
    .addCheckConstraint('api_keys_revoked_consistent', sql`is_active = (revoked_at is null)`)
    .execute();

  // One active key per user, enforced by the database so that concurrent requests on
  // any number of gateway instances cannot both succeed.
  await db.schema
    .createIndex('api_keys_one_active_per_user')
    .on('api_keys')
    .column('user_id')
    .unique()
    .where(sql.ref('is_active'), '=', true)
    .execute();
  await db.schema.createIndex('api_keys_user_created').on('api_keys').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_keys').execute();
}
