// Rules shared by creating, updating and forking tasks, decided inside the caller's
// transaction (which holds the user's row lock): the active-task limit and free names.
import type { Transaction } from 'kysely';
import type { DB } from '../db/types.js';
import { type AppError, Errors, violatedUniqueConstraint } from '../errors.js';
import { countActiveTasks, countTasks, namesStartingWith } from './tasks.repository.js';

export const MAX_ACTIVE_TASKS = 50;
export const DEFAULT_TASK_NAME = 'New Monitor';
/** Torale checks a new (or resumed) active task one minute later. */
export const FIRST_CHECK_SECONDS = 60;

/** The first of variant(1), variant(2), … that the user has not used as a task name. */
export async function freeName(
  trx: Transaction<DB>,
  userId: string,
  base: string,
  variant: (n: number) => string,
): Promise<string> {
  const taken = await namesStartingWith(trx, userId, base);
  for (let n = 1; ; n++) {
    const candidate = variant(n);
    if (!taken.has(candidate)) return candidate;
  }
}

export const defaultName = (n: number) => (n === 1 ? DEFAULT_TASK_NAME : `${DEFAULT_TASK_NAME} ${n}`);

/** "Name (Copy)", "Name (Copy 2)", … */
export const copyName = (source: string) => {
  const base = `${source} (Copy`;
  return { base, variant: (n: number) => (n === 1 ? `${base})` : `${base} ${n})`) };
};

export async function ensureActiveSlot(trx: Transaction<DB>, userId: string): Promise<void> {
  if ((await countActiveTasks(trx, userId)) >= MAX_ACTIVE_TASKS) {
    throw Errors.badRequest(
      `Active task limit reached: at most ${MAX_ACTIVE_TASKS} active tasks per user. Pause or complete a task first.`,
    );
  }
}

/** Every task counts (paused and completed ones too), so nobody can store without bound. */
export async function ensureTaskSlot(trx: Transaction<DB>, userId: string, max: number): Promise<void> {
  if ((await countTasks(trx, userId)) >= max) {
    throw Errors.badRequest(`Task limit reached: at most ${max} tasks per user. Delete a task first.`);
  }
}

/** The 409 a write that hit the unique (user, name) constraint answers, else undefined. */
export function duplicateName(e: unknown, name: string): AppError | undefined {
  if (violatedUniqueConstraint(e) === 'tasks_user_id_name_key') {
    return Errors.conflict(`A task named "${name}" already exists`);
  }
  return undefined;
}
