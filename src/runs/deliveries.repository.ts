// SQL for the notification deliveries of runs (webhook attempts, recorded emails), nothing else.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

export async function insertWebhookDelivery(
  db: Db,
  d: { id: string; taskId: string; executionId: string; url: string; payload: unknown },
): Promise<string> {
  const row = await db
    .insertInto('notification_deliveries')
    .values({
      id: d.id,
      task_id: d.taskId,
      execution_id: d.executionId,
      channel: 'webhook',
      target: d.url,
      payload: JSON.stringify(d.payload),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An email that is recorded but not sent (no email provider is configured). */
export async function insertSkippedEmail(
  db: Db,
  d: { taskId: string; executionId: string; address: string; payload: unknown; reason: string },
): Promise<void> {
  await db
    .insertInto('notification_deliveries')
    .values({
      task_id: d.taskId,
      execution_id: d.executionId,
      channel: 'email',
      target: d.address,
      payload: JSON.stringify(d.payload),
      status: 'skipped',
      reason: d.reason,
    })
    .execute();
}

export async function findPendingDelivery(db: Db, deliveryId: string) {
  return db
    .selectFrom('notification_deliveries')
    .select(['id', 'task_id'])
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

/** Counts one more attempt of a pending delivery and returns it; undefined once it has ended. */
export async function startDeliveryAttempt(db: Db, deliveryId: string) {
  return db
    .updateTable('notification_deliveries')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', deliveryId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
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
    .execute();
}

export async function endDelivery(db: Db, deliveryId: string, ok: boolean, reason: string | null): Promise<void> {
  await db
    .updateTable('notification_deliveries')
    .set({ status: ok ? 'delivered' : 'failed', reason, ...(ok && { delivered_at: sql<Date>`now()` }) })
    .where('id', '=', deliveryId)
    .execute();
}
