// SQL for task executions, nothing else. Used by the services and by the job handlers.
import { type Kysely, sql } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB, Db, ExecutionRow } from '../db/types.js';
import { LIVE_STATUSES } from './task-states.js';

/** What clients see of an execution (the run token and attempt counter stay internal). */
export const EXECUTION_COLUMNS = [
  'id',
  'task_id',
  'status',
  'started_at',
  'completed_at',
  'result',
  'error_message',
  'notification',
  'grounding_sources',
  'created_at',
] as const;

export async function cancelLiveExecutions(db: Db, taskId: string, reason: string): Promise<number> {
  const r = await db
    .updateTable('task_executions')
    .set({ status: 'cancelled', completed_at: sql<Date>`now()`, error_message: reason })
    .where('task_id', '=', taskId)
    .where('status', 'in', LIVE_STATUSES)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A new pending execution, recorded as the task's last one. */
export async function insertExecution(db: Db, taskId: string): Promise<ExecutionRow> {
  const exec = await db
    .insertInto('task_executions')
    .values({ task_id: taskId })
    .returning(EXECUTION_COLUMNS)
    .executeTakeFirstOrThrow();
  await db.updateTable('tasks').set({ last_execution_id: exec.id }).where('id', '=', taskId).execute();
  return exec;
}

export async function findExecution(db: Db, executionId: string): Promise<ExecutionRow | undefined> {
  return db.selectFrom('task_executions').select(EXECUTION_COLUMNS).where('id', '=', executionId).executeTakeFirst();
}

/**
 * The newest `limit` executions of a task (those that notified, when `notifiedOnly`) if the
 * viewer may read them — their own task, or a public one — with `own` telling which: the task
 * row joined with a range of its index. No row at all means the task is not readable (or does
 * not exist); one row of nulls means it has no executions yet. `userId` null: no signed-in user.
 */
export function readableExecutionsQuery(
  db: Kysely<DB>,
  notifiedOnly: boolean,
  userId: string | null,
  taskId: string,
  limit: number,
) {
  return db
    .selectFrom('tasks as t')
    .leftJoinLateral(
      (eb) => {
        let q = eb.selectFrom('task_executions as x').select(EXECUTION_COLUMNS).whereRef('x.task_id', '=', 't.id');
        if (notifiedOnly) q = q.where('x.notification', 'is not', null);
        return q.orderBy('x.started_at', 'desc').orderBy('x.id', 'desc').limit(limit).as('e');
      },
      (join) => join.onTrue(),
    )
    .select(EXECUTION_COLUMNS.map((c) => `e.${c}` as const))
    .select(sql<boolean>`coalesce(t.user_id = ${userId}, false)`.as('own'))
    .where('t.id', '=', taskId)
    .where((eb) => eb.or([eb('t.user_id', '=', userId), eb('t.is_public', '=', true)]))
    .orderBy('e.started_at', 'desc')
    .orderBy('e.id', 'desc');
}

const readable = prepared((db, userId: string | null, taskId: string, limit: number) =>
  readableExecutionsQuery(db, false, userId, taskId, limit),
);
const readableNotified = prepared((db, userId: string | null, taskId: string, limit: number) =>
  readableExecutionsQuery(db, true, userId, taskId, limit),
);

/** One statement, the access check included; undefined when the viewer may not read the task. */
export async function listReadableExecutions(
  db: Kysely<DB>,
  userId: string | null,
  taskId: string,
  opts: { limit: number; notifiedOnly?: boolean },
): Promise<{ own: boolean; rows: ExecutionRow[] } | undefined> {
  const rows = await (opts.notifiedOnly ? readableNotified : readable)(db, userId, taskId, opts.limit);
  if (rows.length === 0) return undefined;
  const own = rows[0]!.own;
  if (rows[0]!.id === null) return { own, rows: [] };
  return { own, rows: rows.map(({ own: _, ...r }) => r as ExecutionRow) };
}

/** Marks an execution failed at once (no job engine can run it), saying why. */
export async function failExecution(db: Db, executionId: string, reason: string): Promise<void> {
  await db
    .updateTable('task_executions')
    .set({ status: 'failed', completed_at: sql`now()`, error_message: reason })
    .where('id', '=', executionId)
    .execute();
}

/** started_at to the microsecond, for keyset cursors (a JS Date keeps milliseconds). */
const STARTED_KEY = sql<string>`to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * Executions of a task newest first, after the key `[started_at, id]` of the last one seen:
 * a range of the (task_id, started_at desc, id desc) index, never an OFFSET.
 */
export async function executionsPage(
  db: Db,
  taskId: string,
  after: [string, string] | null,
  limit: number,
): Promise<{ execution: ExecutionRow; key: [string, string] }[]> {
  let q = db
    .selectFrom('task_executions')
    .select([...EXECUTION_COLUMNS, STARTED_KEY.as('started_key')])
    .where('task_id', '=', taskId);
  if (after) q = q.where(sql<boolean>`(started_at, id) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
  const rows = await q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(({ started_key, ...execution }) => ({ execution, key: [started_key, execution.id] }));
}

/** A task's newest `limit` successful, finished runs by completion (its RSS feed's items). */
export async function finishedRuns(db: Db, taskId: string, limit: number): Promise<ExecutionRow[]> {
  return db
    .selectFrom('task_executions')
    .select(EXECUTION_COLUMNS)
    .where('task_id', '=', taskId)
    .where('status', '=', 'success')
    .where('completed_at', 'is not', null)
    .orderBy('completed_at', 'desc')
    .limit(limit)
    .execute();
}
