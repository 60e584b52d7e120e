// SQL for the webhook deliveries of runs and their attempts, nothing else (emails: notifications/).
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

export async function insertWebhookDelivery(
  db: Db,
  d: { id: string; taskId: string; executionId: string | null; url: string; payload: unknown; event?: string },
): Promise<string> {
  const row = await db
    .insertInto('notification_deliveries')
    .values({
      id: d.id,
      task_id: d.taskId,
      execution_id: d.executionId,
      channel: 'webhook',
      ...(d.event && { event: d.event }),
      target: d.url,
      payload: JSON.stringify(d.payload),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertDeliveryAttempt(
  db: Db,
  a: { deliveryId: string; attempt: number; statusCode: number | null; error: string | null; durationMs: number },
): Promise<void> {
  await db
    .insertInto('notification_attempts')
    .values({
      delivery_id: a.deliveryId,
      attempt: a.attempt,
      status_code: a.statusCode,
      error: a.error,
      duration_ms: a.durationMs,
    })
    .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
    .execute();
}

export async function endDelivery(db: Db, deliveryId: string, ok: boolean, reason: string | null): Promise<void> {
  await db
    .updateTable('notification_deliveries')
    .set({
      status: ok ? 'delivered' : 'failed',
      reason,
      next_attempt_at: null,
      delivered_at: ok ? sql<Date>`now()` : null,
    })
    .where('id', '=', deliveryId)
    .execute();
}

/** A delivery with what its attempt needs: the task's webhook, secrets in force, owner. */
export async function findDeliveryForAttempt(db: Db, deliveryId: string) {
  return db
    .selectFrom('notification_deliveries as d')
    .innerJoin('tasks as t', 't.id', 'd.task_id')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select([
      'd.id',
      'd.task_id',
      'd.status',
      'd.attempts',
      'd.target',
      'd.payload',
      'd.event',
      't.user_id',
      't.notifications',
      't.webhook_secret',
      't.webhook_disabled_at',
      'u.is_active as owner_active',
      'u.email as owner_email',
      sql<string | null>`case when t.webhook_secret_previous_until > now() then t.webhook_secret_previous end`.as(
        'previous_secret',
      ),
    ])
    .where('d.id', '=', deliveryId)
    .where('d.channel', '=', 'webhook')
    .executeTakeFirst();
}

/**
 * Claims attempt `n` of a pending delivery: one statement, so of any number of jobs and
 * instances one makes it. An attempt claimed `staleSeconds` ago and never recorded (its
 * instance died mid-attempt) may be claimed again.
 */
export async function claimAttempt(db: Db, deliveryId: string, n: number, staleSeconds: number): Promise<boolean> {
  const row = await db
    .updateTable('notification_deliveries as d')
    .set({ attempts: n, attempt_claimed_at: sql<Date>`now()`, next_attempt_at: null })
    .where('d.id', '=', deliveryId)
    .where('d.status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb('d.attempts', '=', n - 1),
        eb.and([
          eb('d.attempts', '=', n),
          eb('d.attempt_claimed_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`),
          eb.not(
            eb.exists(
              eb
                .selectFrom('notification_attempts as a')
                .select('a.id')
                .whereRef('a.delivery_id', '=', 'd.id')
                .where('a.attempt', '=', n),
            ),
          ),
        ]),
      ]),
    )
    .returning('d.id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function setNextAttempt(db: Db, deliveryId: string, at: Date): Promise<void> {
  await db.updateTable('notification_deliveries').set({ next_attempt_at: at }).where('id', '=', deliveryId).execute();
}

/** Every attempt of this webhook failed since when? A success (or a save) clears it. */
export async function clearWebhookFailing(db: Db, taskId: string): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ webhook_failing_since: null })
    .where('id', '=', taskId)
    .where('webhook_failing_since', 'is not', null)
    .execute();
}

/**
 * Notes a failed attempt of the task's webhook, and disables it when the target said 410 Gone
 * or has failed for `disableAfterHours`. Returns the reason when this call disabled it.
 */
export async function noteWebhookFailure(db: Db, taskId: string, gone: boolean, disableAfterHours: number) {
  const expired = sql<boolean>`coalesce(webhook_failing_since, now()) <= now() - make_interval(secs => ${disableAfterHours * 3600})`;
  const row = await db
    .updateTable('tasks')
    .set({
      webhook_failing_since: sql<Date>`coalesce(webhook_failing_since, now())`,
      webhook_disabled_at: sql<Date | null>`case when ${gone} or ${expired} then now() end`,
      webhook_disabled_reason: sql<
        'gone' | 'failing' | null
      >`case when ${gone} then 'gone' when ${expired} then 'failing' end`,
    })
    .where('id', '=', taskId)
    .where('webhook_disabled_at', 'is', null)
    .returning(['webhook_disabled_at', 'webhook_disabled_reason'])
    .executeTakeFirst();
  return row?.webhook_disabled_at ? { at: row.webhook_disabled_at, reason: row.webhook_disabled_reason! } : undefined;
}
