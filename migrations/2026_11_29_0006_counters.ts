import { type Kysely, sql } from 'kysely';

// Popularity that one visitor cannot inflate: a view counts once per viewer per day, a
// fork once per forking user.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('task_views')
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('day', 'date', (c) => c.notNull())
    // 'u:<user id>' for signed-in viewers, 'a:<digest of the address>' for anonymous ones.
    .addColumn('viewer', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_views_pkey', ['task_id', 'day', 'viewer'])
    .execute();
  // Old days are deleted by the cleanup job.
  await db.schema.createIndex('task_views_day').on('task_views').column('day').execute();

  await db.schema
    .createTable('task_subscribers')
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('task_subscribers_pkey', ['task_id', 'user_id'])
    .execute();
  // Users who forked before this migration are subscribers already: a new fork by them adds nothing.
  await sql`
    insert into task_subscribers (task_id, user_id)
    select distinct f.forked_from_task_id, f.user_id
    from tasks f join tasks s on s.id = f.forked_from_task_id
    where f.user_id <> s.user_id
    on conflict do nothing`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('task_subscribers').execute();
  await db.schema.dropTable('task_views').execute();
}
