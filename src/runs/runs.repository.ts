// SQL of the job handlers, nothing else: claiming an execution with a run token, writing
// its outcome only while that token holds, and the notification deliveries of a run.
import { sql } from 'kysely';
import type { Db, ExecutionRow, TaskRow } from '../db/types.js';
import { EXECUTION_COLUMNS } from '../tasks/executions.repository.js';
import { LIVE_STATUSES } from '../tasks/task-states.js';

export interface Claim {
  id: string;
  task_id: string;
  run_token: string;
  attempts: number;
}

/**
 * Claims an execution with a fresh run token. 'running' is re-claimable because the engine
 * hands a job to one worker at a time and only re-delivers it when that worker died.
 */
export async function claimExecution(db: Db, executionId: string): Promise<Claim | undefined> {
  const row = await db
    .updateTable('task_executions')
    .set((eb) => ({
      status: 'running',
      run_token: sql<string>`gen_random_uuid()`,
      attempts: eb('attempts', '+', 1),
      started_at: sql<Date>`case when attempts = 0 then now() else started_at end`,
    }))
    .where('id', '=', executionId)
    .where('status', 'in', LIVE_STATUSES)
    .returning(['id', 'task_id', 'run_token', 'attempts'])
    .executeTakeFirst();
  return row ? { ...row, run_token: row.run_token as string } : undefined;
}

/** Ends a run as retrying, failed or cancelled, only while it still holds its token. */
export async function finishRun(
  db: Db,
  executionId: string,
  token: string,
  set: { status: 'retrying' | 'failed' | 'cancelled'; error_message: string },
): Promise<boolean> {
  const r = await db
    .updateTable('task_executions')
    .set({ ...set, ...(set.status !== 'retrying' && { completed_at: sql<Date>`now()` }) })
    .where('id', '=', executionId)
    .where('run_token', '=', token)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Records a successful run while it holds its token; undefined when it was cancelled or superseded. */
export async function succeedRun(
  db: Db,
  executionId: string,
  token: string,
  outcome: { result: unknown; notification: string | null; sources: unknown[] },
): Promise<ExecutionRow | undefined> {
  return db
    .updateTable('task_executions')
    .set({
      status: 'success',
      completed_at: sql<Date>`now()`,
      result: JSON.stringify(outcome.result),
      notification: outcome.notification,
      grounding_sources: JSON.stringify(outcome.sources),
      error_message: null,
    })
    .where('id', '=', executionId)
    .where('run_token', '=', token)
    .where('status', '=', 'running')
    .returning(EXECUTION_COLUMNS)
    .executeTakeFirst();
}

/** After a run: what the agent learned, the next run, and completion when it said stop. */
export async function recordRunOnTask(
  db: Db,
  task: TaskRow,
  executionId: string,
  knownState: unknown,
  nextRun: Date | null,
): Promise<void> {
  const active = task.state === 'active';
  await db
    .updateTable('tasks')
    .set({
      last_execution_id: executionId,
      last_known_state: JSON.stringify(knownState),
      ...(active && { next_run: nextRun }),
      ...(active && nextRun === null && { state: 'completed', state_changed_at: sql<Date>`now()` }),
    })
    .where('id', '=', task.id)
    .execute();
}

/** Moves an active task's next run; false when the task is no longer active. */
export async function setNextRunIfActive(db: Db, taskId: string, at: Date): Promise<boolean> {
  const r = await db
    .updateTable('tasks')
    .set({ next_run: at })
    .where('id', '=', taskId)
    .where('state', '=', 'active')
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

// --- notification deliveries -------------------------------------------------------------

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
