// SQL for task executions, nothing else. Used by the services and by the job handlers.
import { sql } from 'kysely';
import type { Db, ExecutionRow } from '../db/types.js';
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

export async function hasLiveExecution(db: Db, taskId: string): Promise<boolean> {
  const row = await db
    .selectFrom('task_executions')
    .select('id')
    .where('task_id', '=', taskId)
    .where('status', 'in', LIVE_STATUSES)
    .executeTakeFirst();
  return row !== undefined;
}

export async function listExecutions(
  db: Db,
  taskId: string,
  opts: { limit: number; notifiedOnly?: boolean },
): Promise<ExecutionRow[]> {
  let q = db.selectFrom('task_executions').select(EXECUTION_COLUMNS).where('task_id', '=', taskId);
  if (opts.notifiedOnly) q = q.where('notification', 'is not', null);
  return q.orderBy('started_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

/** The last successful results of a task, newest first (the agent's memory of earlier checks). */
export async function recentResults(db: Db, taskId: string, limit: number) {
  return db
    .selectFrom('task_executions')
    .select(['started_at', 'result'])
    .where('task_id', '=', taskId)
    .where('status', '=', 'success')
    .orderBy('started_at', 'desc')
    .limit(limit)
    .execute();
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
