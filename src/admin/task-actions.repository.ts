// SQL of the admin's task reset, nothing else.
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/types.js';
import { FINAL_STATUSES } from '../tasks/task-states.js';

/**
 * Forgets the task's finished runs of the last `days` days and what the agent knew, so its
 * next run judges afresh. A run under way is kept: the dispatcher reschedules the task when
 * it ends (deleting it would leave an active task with nothing to start it again). Answers
 * how many runs were deleted, or undefined when there is no such task.
 */
export async function resetTaskHistory(
  trx: Transaction<DB>,
  taskId: string,
  days: number,
): Promise<number | undefined> {
  const task = await trx
    .updateTable('tasks')
    .set({ last_execution_id: null, last_known_state: null, state_changed_at: sql<Date>`now()` })
    .where('id', '=', taskId)
    .returning('id')
    .executeTakeFirst();
  if (!task) return undefined;
  const gone = await trx
    .deleteFrom('task_executions')
    .where('task_id', '=', taskId)
    .where('created_at', '>=', sql<Date>`now() - make_interval(days => ${days}::int)`)
    .where('status', 'in', [...FINAL_STATUSES])
    .executeTakeFirst();
  return Number(gone.numDeletedRows);
}
