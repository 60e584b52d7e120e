// SQL of the notification history, nothing else: the deliveries of one user's tasks
// (webhooks and emails), newest first, each with its latest attempt, and their count.
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
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
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
  if (f.channel !== undefined) q = q.where('d.channel', '=', f.channel);
  return q;
}

export async function listHistory(
  db: Db,
  f: HistoryFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: HistoryRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    filtered(db, f)
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
        'd.status',
        'd.reason',
        'd.attempts',
        'd.created_at',
        'd.delivered_at',
        'd.next_attempt_at',
        'la.status_code as last_status_code',
        'la.error as last_error',
        'la.created_at as last_attempt_at',
      ])
      .orderBy('d.created_at', 'desc')
      .orderBy('d.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    filtered(db, f).select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as HistoryRow[], total: count.total };
}
