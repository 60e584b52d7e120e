// An admin's actions on anyone's task, each through the path the owner's own request takes
// (Run Now, the state machine) and each written to the admin audit log.
import type { Kysely } from 'kysely';
import type { Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { Errors } from '../errors.js';
import { isUuid } from '../lib/validation.js';
import type { ExecutionsService } from '../tasks/executions.service.js';
import type { TaskState } from '../tasks/task-states.js';
import type { TasksService } from '../tasks/tasks.service.js';
import type { AdminGate } from './admin-gate.js';
import { resetTaskHistory } from './task-actions.repository.js';

export interface TaskActionsDeps {
  db: Kysely<DB>;
  tasks: Pick<TasksService, 'transitionAnyTask'>;
  executions: Pick<ExecutionsService, 'executeAnyTask'>;
  admin: AdminGate;
}

export type TaskActionsService = ReturnType<typeof createTaskActionsService>;

export function createTaskActionsService({ db, tasks, executions, admin }: TaskActionsDeps) {
  return {
    /** Run Now on anyone's task (a live run is cancelled for it, as the owner's Run Now does). */
    async execute(viewer: Viewer, taskId: string, opts: { suppressNotifications: boolean }) {
      const caller = await admin.requireAdmin(viewer);
      // The gateway's runs have no quiet mode; a run that would notify silently is refused, not faked.
      if (opts.suppressNotifications) throw Errors.badRequest('suppress_notifications is not supported');
      const exec = await executions.executeAnyTask(taskId);
      await admin.record(caller, { action: 'task.execute', targetTaskId: taskId, details: { execution_id: exec.id } });
      return exec;
    },

    async setState(viewer: Viewer, taskId: string, state: TaskState) {
      const caller = await admin.requireAdmin(viewer);
      const { previous, task } = await tasks.transitionAnyTask(taskId, state);
      await admin.record(caller, {
        action: 'task.state',
        targetTaskId: taskId,
        targetUserId: task.user_id,
        details: { from: previous, to: state },
      });
      return { previous, task };
    },

    /** Forgets the task's finished runs of the last `days` days and its known state. */
    async reset(viewer: Viewer, taskId: string, days: number) {
      const caller = await admin.requireAdmin(viewer);
      const deleted = isUuid(taskId)
        ? await db.transaction().execute((trx) => resetTaskHistory(trx, taskId, days))
        : undefined;
      if (deleted === undefined) throw Errors.taskNotFound();
      await admin.record(caller, {
        action: 'task.reset',
        targetTaskId: taskId,
        details: { days, executions_deleted: deleted },
      });
      return deleted;
    },
  };
}
