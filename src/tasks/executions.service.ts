// Executions: run now on your own task (one live execution per task, decided by the
// database), and the lists of past runs and of runs that notified (yours, or a public task's).
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, ExecutionRow } from '../db/types.js';
import { AppError, Errors, violatedUniqueConstraint } from '../errors.js';
import { decodeCursor, encodeCursor, part } from '../lib/cursor.js';
import { isUuid } from '../lib/validation.js';
import type { RunQueue } from '../runs/runs.jobs.js';
import {
  cancelLiveExecutions,
  executionsPage,
  insertExecution,
  listReadableExecutions,
} from './executions.repository.js';
import { publicExecution } from './public-view.js';
import { lockOwnTask, readableTask } from './task-access.js';
import { findTask } from './tasks.repository.js';

export const ALREADY_RUNNING = 'Task is already running or pending. Use force=true to override.';
const CANCELLED_BY_FORCE = 'Execution cancelled by manual force run';

export interface ExecutionsServiceDeps {
  db: Kysely<DB>;
  /** Executions are queued in the inserting transaction. */
  runs: RunQueue;
}

export type ExecutionsService = ReturnType<typeof createExecutionsService>;

export function createExecutionsService({ db, runs }: ExecutionsServiceDeps) {
  async function start(userId: string, taskId: string, force: boolean): Promise<ExecutionRow> {
    try {
      return await db.transaction().execute(async (trx) => {
        await lockOwnTask(trx, userId, taskId);
        if (force) await cancelLiveExecutions(trx, taskId, CANCELLED_BY_FORCE);
        const exec = await insertExecution(trx, taskId);
        await runs.enqueue(trx, [exec]);
        return exec;
      });
    } catch (e) {
      if (violatedUniqueConstraint(e) === 'task_executions_one_live') throw Errors.conflict(ALREADY_RUNNING);
      throw e;
    }
  }

  /** Whether the viewer owns the task; anyone may read a public task's runs (as on Torale), else 404. */
  async function readable(viewer: Viewer, taskId: string): Promise<boolean> {
    const userId = viewer.kind !== 'anonymous' ? (viewer.user?.id ?? null) : null;
    return (await readableTask(db, userId, taskId)).own;
  }

  return {
    async execute(viewer: Viewer, taskId: string, force: boolean): Promise<ExecutionRow> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      return start(user.id, taskId, force);
    },

    /**
     * Run Now on anyone's task (an admin's action: the caller checks who may), forced as the
     * owner's Run Now can be: a live run is cancelled for it.
     */
    async executeAnyTask(taskId: string): Promise<ExecutionRow> {
      const task = isUuid(taskId) ? await findTask(db, taskId) : undefined;
      if (!task) throw Errors.taskNotFound();
      return start(task.user_id, taskId, true);
    },

    /** run_immediately of create/update: the reason it could not start, or null. */
    async runImmediately(userId: string, taskId: string): Promise<string | null> {
      try {
        await start(userId, taskId, false);
        return null;
      } catch (e) {
        if (e instanceof AppError && typeof e.detail === 'string') return e.detail;
        throw e;
      }
    },

    /** Newest first; `notifiedOnly` lists the runs that produced a notification. Others see the public view. */
    async list(viewer: Viewer, taskId: string, limit: number, notifiedOnly = false): Promise<ExecutionRow[]> {
      requireScope(viewer, 'tasks:read');
      const userId = viewer.kind !== 'anonymous' ? (viewer.user?.id ?? null) : null;
      const found = isUuid(taskId)
        ? await listReadableExecutions(db, userId, taskId, { limit, notifiedOnly })
        : undefined;
      if (!found) throw Errors.taskNotFound();
      return found.own ? found.rows : found.rows.map(publicExecution);
    },

    /** A Relay page of the task's executions, newest first; stable while new runs are added. */
    async connection(viewer: Viewer, taskId: string, q: { first: number; after?: string }) {
      requireScope(viewer, 'tasks:read');
      const after =
        q.after === undefined
          ? null
          : (decodeCursor(q.after, (p) => p.length === 3 && p[0] === 'x' && part.time(p[1]) && part.uuid(p[2])).slice(
              1,
            ) as [string, string]);
      const owner = await readable(viewer, taskId);
      const rows = await executionsPage(db, taskId, after, q.first + 1);
      const edges = rows.slice(0, q.first).map((r) => ({
        cursor: encodeCursor(['x', ...r.key]),
        node: owner ? r.execution : publicExecution(r.execution),
      }));
      return { edges, pageInfo: { hasNextPage: rows.length > q.first, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  };
}
