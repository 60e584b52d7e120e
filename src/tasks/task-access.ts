// Who may reach a task, said once: a task that is missing, another user's (and private), or
// named by something that is not an id is 404 `Task not found` — the same answer in every
// case, so nobody learns which ids exist. Every service that takes a task id goes through here.
import type { Transaction } from 'kysely';
import type { DB, Db, TaskRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { isUuid } from '../lib/validation.js';
import { findOwnTaskForUpdate, findTask } from './tasks.repository.js';

/** The caller's task, else 404. */
export async function ownTask(db: Db, userId: string, taskId: string): Promise<TaskRow> {
  const task = isUuid(taskId) ? await findTask(db, taskId) : undefined;
  if (!task || task.user_id !== userId) throw Errors.taskNotFound();
  return task;
}

/** The caller's task, locked for the rest of the transaction, else 404. */
export async function lockOwnTask(trx: Transaction<DB>, userId: string, taskId: string): Promise<TaskRow> {
  const task = isUuid(taskId) ? await findOwnTaskForUpdate(trx, userId, taskId) : undefined;
  if (!task) throw Errors.taskNotFound();
  return task;
}

/** A task the caller may read — their own, or anyone's public one (as on Torale) — else 404. */
export async function readableTask(
  db: Db,
  userId: string | null,
  taskId: string,
): Promise<{ task: TaskRow; own: boolean }> {
  const task = isUuid(taskId) ? await findTask(db, taskId) : undefined;
  const own = task !== undefined && task.user_id === userId;
  if (!task || (!own && !task.is_public)) throw Errors.taskNotFound();
  return { task, own };
}
