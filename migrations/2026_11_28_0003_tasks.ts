import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tasks')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('search_query', 'text', (c) => c.notNull())
    .addColumn('condition_description', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('next_run', 'timestamptz')
    .addColumn('is_public', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('subscriber_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('forked_from_task_id', 'uuid', (c) => c.references('tasks.id').onDelete('set null'))
    .addColumn('last_known_state', 'jsonb')
    .addColumn('last_execution_id', 'uuid')
    .addColumn('notifications', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    // HMAC key for webhook signatures; shown to the owner once, when the webhook is set.
    .addColumn('webhook_secret', 'text')
    .addColumn('state_changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('tasks_user_id_name_key', ['user_id', 'name'])
    .addCheckConstraint('tasks_state_check', sql`state in ('active', 'paused', 'completed')`)
    .addCheckConstraint('tasks_counts_check', sql`view_count >= 0 and subscriber_count >= 0`)
    .execute();
  // updated_at tracks what the owner changed; view and subscriber counters and run
  // bookkeeping do not count as edits.
  await sql`
    create function tasks_set_updated_at() returns trigger language plpgsql as $$
    begin
      if (to_jsonb(new) - array['view_count', 'subscriber_count', 'updated_at', 'last_execution_id', 'last_known_state'])
         is distinct from
         (to_jsonb(old) - array['view_count', 'subscriber_count', 'updated_at', 'last_execution_id', 'last_known_state']) then
        new.updated_at := now();
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger tasks_set_updated_at before update on tasks
    for each row execute function tasks_set_updated_at()`.execute(db);

  // Own tasks by state, newest first; public tasks by recency and by popularity.
  await sql`create index tasks_user_state_created on tasks (user_id, state, created_at desc)`.execute(db);
  await sql`create index tasks_user_created on tasks (user_id, created_at desc)`.execute(db);
  await sql`create index tasks_public_recent on tasks (created_at desc) where is_public`.execute(db);
  await sql`create index tasks_public_popular on tasks (subscriber_count desc, view_count desc, created_at desc) where is_public`.execute(
    db,
  );

  await db.schema
    .createTable('task_executions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('result', 'jsonb')
    .addColumn('error_message', 'text')
    .addColumn('notification', 'text')
    .addColumn('grounding_sources', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'task_executions_status_check',
      sql`status in ('pending', 'running', 'success', 'retrying', 'failed', 'cancelled')`,
    )
    .execute();
  await sql`create index task_executions_task_started on task_executions (task_id, started_at desc, id desc)`.execute(
    db,
  );
  await sql`create index task_executions_task_notified on task_executions (task_id, started_at desc) where notification is not null`.execute(
    db,
  );
  // At most one live execution per task, decided by the database under any concurrency.
  await sql`create unique index task_executions_one_live on task_executions (task_id)
    where status in ('pending', 'running', 'retrying')`.execute(db);

  await sql`alter table tasks add constraint tasks_last_execution_fk
    foreign key (last_execution_id) references task_executions(id) on delete set null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tasks drop constraint if exists tasks_last_execution_fk`.execute(db);
  await db.schema.dropTable('task_executions').execute();
  await db.schema.dropTable('tasks').execute();
  await sql`drop function if exists tasks_set_updated_at()`.execute(db);
}
