import { type Kysely, sql } from 'kysely';

// Standard Webhooks: a task's webhook keeps its previous secret through a rotation overlap,
// and can be disabled (410 Gone, or failing for too long) until it is saved again. A delivery
// names its event (a test `ping` belongs to no execution) and when its next attempt is due;
// each attempt number of a delivery is recorded once, and claimed at a known time so an
// attempt whose instance died can be taken over.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('webhook_secret_previous', 'text')
    .addColumn('webhook_secret_previous_until', 'timestamptz')
    .addColumn('webhook_disabled_at', 'timestamptz')
    .addColumn('webhook_disabled_reason', 'text')
    .addColumn('webhook_failing_since', 'timestamptz')
    .execute();
  await db.schema
    .alterTable('notification_deliveries')
    .addColumn('event', 'text', (c) => c.notNull().defaultTo('task.condition_met'))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('attempt_claimed_at', 'timestamptz')
    .alterColumn('execution_id', (c) => c.dropNotNull())
    .execute();
  await sql`create unique index notification_attempts_delivery_attempt
    on notification_attempts (delivery_id, attempt)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists notification_attempts_delivery_attempt`.execute(db);
  await sql`delete from notification_deliveries where execution_id is null`.execute(db);
  await db.schema
    .alterTable('notification_deliveries')
    .dropColumn('event')
    .dropColumn('next_attempt_at')
    .dropColumn('attempt_claimed_at')
    .alterColumn('execution_id', (c) => c.setNotNull())
    .execute();
  await db.schema
    .alterTable('tasks')
    .dropColumn('webhook_secret_previous')
    .dropColumn('webhook_secret_previous_until')
    .dropColumn('webhook_disabled_at')
    .dropColumn('webhook_disabled_reason')
    .dropColumn('webhook_failing_since')
    .execute();
}
