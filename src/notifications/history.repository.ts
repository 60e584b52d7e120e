// SQL of the notification history, nothing else: the deliveries of one user's tasks
// (webhook deliveries and emails, each from its own table), newest first, with the latest
// attempt's outcome, and their count.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

export interface HistoryFilter {
  userId: string;
  taskId?: string;
  channel?: 'webhook' | 'email';
}

export interface HistoryRow {
  id: string;
  task_id: string;
  execution_id: string;
  user_id: string;
  channel: 'webhook' | 'email';
  target: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped' | 'refused';
  reason: string | null;
  attempts: number;
  created_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_attempt_at: Date | null;
}

function filtered(db: Db, f: HistoryFilter) {
  let q = db
    .selectFrom('notification_deliveries as d')
    .innerJoin('tasks as t', 't.id', 'd.task_id')
    .where('t.user_id', '=', f.userId)
    // What no run produced (test pings, notices about the webhook itself) is not history.
    .where('d.execution_id', 'is not', null);
  if (f.taskId !== undefined) q = q.where('d.task_id', '=', f.taskId);
  return q;
}

/** Webhook deliveries as history rows, each with its latest attempt. */
function webhookRows(db: Db, f: HistoryFilter) {
  return filtered(db, f)
    .where('d.channel', '=', 'webhook')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('notification_attempts as a')
          .select(['a.status_code', 'a.error', 'a.created_at'])
          .whereRef('a.delivery_id', '=', 'd.id')
          .orderBy('a.attempt', 'desc')
          .limit(1)
          .as('la'),
      (join) => join.onTrue(),
    )
    .select([
      'd.id',
      'd.task_id',
      'd.execution_id',
      't.user_id',
      'd.channel',
      'd.target',
      sql<HistoryRow['status']>`d.status`.as('status'),
      'd.reason',
      'd.attempts',
      'd.created_at',
      'd.delivered_at',
      'd.next_attempt_at',
      'la.status_code as last_status_code',
      'la.error as last_error',
      'la.created_at as last_attempt_at',
    ]);
}

/** Emails of runs as history rows (codes and notices about a webhook belong to no run). */
function emailRows(db: Db, f: HistoryFilter) {
  let q = db
    .selectFrom('email_sends as s')
    .where('s.user_id', '=', f.userId)
    .where('s.task_id', 'is not', null)
    .where('s.execution_id', 'is not', null);
  if (f.taskId !== undefined) q = q.where('s.task_id', '=', f.taskId);
  return q.select([
    's.id',
    sql<string>`s.task_id`.as('task_id'),
    sql<string>`s.execution_id`.as('execution_id'),
    's.user_id',
    sql<'webhook' | 'email'>`'email'`.as('channel'),
    's.recipient as target',
    sql<HistoryRow['status']>`s.status`.as('status'),
    's.reason',
    's.attempts',
    's.created_at',
    's.delivered_at',
    's.next_attempt_at',
    's.last_response_code as last_status_code',
    's.last_error',
    's.ended_at as last_attempt_at',
  ]);
}

export async function listHistory(
  db: Db,
  f: HistoryFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: HistoryRow[]; total: number }> {
  const webhooks = f.channel !== 'email';
  const emails = f.channel !== 'webhook';
  const rowsOf = () => {
    if (webhooks && emails) return db.selectFrom(webhookRows(db, f).unionAll(emailRows(db, f)).as('h'));
    return db.selectFrom((webhooks ? webhookRows(db, f) : emailRows(db, f)).as('h'));
  };
  const [rows, count] = await Promise.all([
    rowsOf()
      .selectAll()
      .orderBy('h.created_at', 'desc')
      .orderBy('h.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    rowsOf().select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as HistoryRow[], total: count.total };
}
