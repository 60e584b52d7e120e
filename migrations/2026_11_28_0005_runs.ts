import { type Kysely, sql } from 'kysely';

// Running executions: a run token so only the current claim of an execution may write its
// result, an attempt counter for retries, and a record of every notification sent.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('task_executions')
    .addColumn('run_token', 'uuid')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('task_id', 'uuid', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('execution_id', 'uuid', (c) => c.notNull().references('task_executions.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addCheckConstraint('notification_deliveries_channel_check', sql`channel in ('webhook', 'email')`)
    .addCheckConstraint(
      'notification_deliveries_status_check',
      sql`status in ('pending', 'delivered', 'failed', 'skipped')`,
    )
    .execute();
  await db.schema
    .createIndex('notification_deliveries_execution')
    .on('notification_deliveries')
    .column('execution_id')
    .execute();

  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('delivery_id', 'uuid', (c) => c.notNull().references('notification_deliveries.id').onDelete('cascade'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('notification_attempts_delivery')
    .on('notification_attempts')
    .column('delivery_id')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notification_attempts').execute();
  await db.schema.dropTable('notification_deliveries').execute();
  await db.schema.alterTable('task_executions').dropColumn('run_token').dropColumn('attempts').execute();
}
