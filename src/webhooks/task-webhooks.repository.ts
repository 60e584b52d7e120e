// SQL of a task's webhook as its owner manages it: secret rotation, the delivery log, replays.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

/** The new secret signs from now on; the old one beside it for `overlapSeconds`. */
export async function rotateWebhookSecret(db: Db, taskId: string, secret: string, overlapSeconds: number) {
  await db
    .updateTable('tasks')
    .set({
      webhook_secret_previous: sql<string | null>`webhook_secret`,
      webhook_secret_previous_until: sql<Date>`now() + make_interval(secs => ${overlapSeconds})`,
      webhook_secret: secret,
    })
    .where('id', '=', taskId)
    .execute();
}

export interface DeliveryRow {
  id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  created_at: Date;
  next_attempt_at: Date | null;
  /** created_at to the microsecond, for keyset cursors (a JS Date keeps milliseconds). */
  key_time: string;
}

/** The task's webhook deliveries, newest first, after a (created_at, id) key. */
const DELIVERY_COLUMNS = ['id', 'event', 'status', 'created_at', 'next_attempt_at'] as const;
/** created_at at microsecond precision as text: the cursor's time, compared exactly on the next page. */
const keyTime = () =>
  sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('key_time');

export async function deliveriesPage(
  db: Db,
  taskId: string,
  after: readonly [string, string] | null,
  limit: number,
): Promise<DeliveryRow[]> {
  let q = db
    .selectFrom('notification_deliveries')
    .select([...DELIVERY_COLUMNS, keyTime()])
    .where('task_id', '=', taskId)
    .where('channel', '=', 'webhook');
  if (after) {
    q = q.where(sql<boolean>`(created_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  }
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function attemptsOf(db: Db, deliveryIds: readonly string[]) {
  if (deliveryIds.length === 0) return [];
  return db
    .selectFrom('notification_attempts')
    .select(['delivery_id', 'attempt', 'created_at', 'status_code', 'duration_ms', 'error'])
    .where('delivery_id', 'in', [...deliveryIds])
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
}

export async function findDelivery(db: Db, taskId: string, deliveryId: string) {
  return db
    .selectFrom('notification_deliveries')
    .select([...DELIVERY_COLUMNS, 'attempts', keyTime()])
    .where('id', '=', deliveryId)
    .where('task_id', '=', taskId)
    .where('channel', '=', 'webhook')
    .executeTakeFirst();
}

/**
 * Puts a delivery back to pending for one more attempt, only while it aims at `target` (the
 * webhook's URL now); its status before, and the attempts so far.
 */
export async function reopenDelivery(db: Db, taskId: string, deliveryId: string, target: string) {
  const { rows } = await sql<{ before: string; attempts: number }>`
    update notification_deliveries d set status = 'pending', reason = null, next_attempt_at = now()
    from (select id, status from notification_deliveries
          where id = ${deliveryId} and task_id = ${taskId} and channel = 'webhook' and target = ${target}
          for update) old
    where d.id = old.id
    returning old.status as before, d.attempts`.execute(db);
  return rows[0];
}
