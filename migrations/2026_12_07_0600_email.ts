import { type Kysely, sql } from 'kysely';

// Email that is really sent. A user's extra verified addresses (the account email is always
// verified and not stored here); verification codes, stored only as a hash, one pending per
// user and address; and every email the gateway sends or refuses, with its outcome. Emails
// were rows of notification_deliveries (recorded, never sent): they move to email_sends, so
// webhook deliveries and emails each have one table of their own.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('verified_notification_emails', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();

  await db.schema
    .createTable('email_verifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('verified_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index email_verifications_pending
    on email_verifications (user_id, lower(email)) where verified_at is null`.execute(db);
  await sql`create index email_verifications_user_created on email_verifications (user_id, created_at)`.execute(db);

  await db.schema
    .createTable('email_sends')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('task_id', 'uuid', (c) => c.references('tasks.id').onDelete('cascade'))
    .addColumn('execution_id', 'uuid', (c) => c.references('task_executions.id').onDelete('set null'))
    .addColumn('verification_id', 'uuid', (c) => c.references('email_verifications.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    // {text, html, headers}: what goes out, the same on every attempt. A verification
    // email's message (it holds the code) is cleared once the send has ended.
    .addColumn('message', 'jsonb')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('reason', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('attempt_claimed_at', 'timestamptz')
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('last_response_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('delivered_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addCheckConstraint(
      'email_sends_kind_check',
      sql`kind in ('condition_met', 'welcome', 'verification', 'webhook_disabled')`,
    )
    .addCheckConstraint(
      'email_sends_status_check',
      sql`status in ('pending', 'delivered', 'failed', 'refused', 'skipped')`,
    )
    .execute();
  await sql`create index email_sends_user_created on email_sends (user_id, created_at desc)`.execute(db);
  await sql`create index email_sends_recipient_created on email_sends (lower(recipient), created_at)`.execute(db);
  await sql`create index email_sends_task on email_sends (task_id)`.execute(db);

  // Emails recorded before (all "skipped") keep their outcome and place in the history.
  await sql`insert into email_sends (id, user_id, task_id, execution_id, kind, recipient, subject, message,
      message_id, status, reason, created_at, ended_at)
    select d.id, t.user_id, d.task_id, d.execution_id,
      case when d.event = 'webhook.disabled' then 'webhook_disabled' else 'condition_met' end,
      d.target, '', jsonb_build_object('payload', d.payload), '<' || d.id || '@torale-gateway>',
      d.status, d.reason, d.created_at, d.created_at
    from notification_deliveries d join tasks t on t.id = d.task_id
    where d.channel = 'email'`.execute(db);
  await sql`delete from notification_deliveries where channel = 'email'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`insert into notification_deliveries (id, task_id, execution_id, channel, target, payload, status,
      reason, created_at, event)
    select s.id, s.task_id, s.execution_id, 'email', s.recipient, coalesce(s.message -> 'payload', '{}'::jsonb),
      case when s.status in ('refused') then 'failed' else s.status end, s.reason, s.created_at,
      case when s.kind = 'webhook_disabled' then 'webhook.disabled' else 'task.condition_met' end
    from email_sends s where s.task_id is not null`.execute(db);
  await db.schema.dropTable('email_sends').execute();
  await db.schema.dropTable('email_verifications').execute();
  await db.schema.alterTable('users').dropColumn('verified_notification_emails').execute();
}
