// SQL of webhook deliveries, nothing else: the only code that writes a webhook's rows in
// notification_deliveries (and their attempts): recording, claiming and ending attempts,
// the delivery log, replays.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

export async function insertWebhookDelivery(
  db: Db,
  d: { taskId: string; executionId: string | null; url: string; payload: unknown; event?: string },
): Promise<string> {
  const row = await db
    .insertInto('notification_deliveries')
    .values({
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
