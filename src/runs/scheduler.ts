// A schedule job fired: start an execution if the task is still due. And the reconcile
// that re-creates the schedule of any active task that lost it (lost job, restored backup).
import { hasLiveExecution, insertExecution } from '../tasks/executions.repository.js';
import { lockTask, setNextRun } from '../tasks/tasks.repository.js';
import { QUEUES } from './engine.js';
import { tasksWithoutSchedule } from './jobs.repository.js';
import type { RunContext } from './run-context.js';

const RECONCILE_BATCH = 1000;

export function createScheduler({ db, engine, logger, defaultNextRun }: RunContext) {
  return {
    async schedule(taskId: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const task = await lockTask(trx, taskId);
        // A disabled owner's task waits unscheduled; reconcile schedules it again once the owner is enabled.
        if (task?.state !== 'active' || !task.owner_active) return;
        if (task.next_run && task.next_run.getTime() > Date.now() + 1000) {
          // Fired early (the task was rescheduled meanwhile): wait for the real time.
          await engine.scheduleTask(trx, taskId, task.next_run);
          return;
        }
        if (await hasLiveExecution(trx, taskId)) return; // that run schedules the next one when it ends
        const exec = await insertExecution(trx, taskId);
        await engine.enqueueExecution(trx, exec.id, taskId);
      });
    },

    async reconcile(): Promise<number> {
      const missing = await tasksWithoutSchedule(db, QUEUES.schedule, RECONCILE_BATCH);
      for (const row of missing) {
        await db.transaction().execute(async (trx) => {
          const at = row.next_run ?? defaultNextRun();
          if (!row.next_run) await setNextRun(trx, row.id, at);
          await engine.scheduleTask(trx, row.id, at);
        });
      }
      if (missing.length > 0) logger.info({ count: missing.length }, 'reconcile re-created missing schedules');
      return missing.length;
    },
  };
}
