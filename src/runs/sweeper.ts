// Once a minute (one instance at a time), and once when an instance starts: executions that
// no job will finish, and active tasks that nothing would ever start. A run whose job is gone
// is queued again; a run whose job ended without finishing it (its worker died on the last
// attempt) fails with a reason, and its task is scheduled again. An active task with neither
// a schedule nor a live run (an import, a restored backup, a hand edit) is scheduled at its
// next_run, and counted, so no task is silently forgotten.
import { failExecution } from '../tasks/executions.repository.js';
import { jobsOf, type RunContext } from './run-context.js';
import { rescheduleIfActive, scheduleForgotten, strandedExecutions } from './runs.repository.js';

export const STRANDED = 'The run did not finish: the worker running it stopped';
const FORGOTTEN_BATCH = 1000;
/** Batches per sweep: a huge backlog is scheduled over a few sweeps, not in one long one. */
const FORGOTTEN_MAX_BATCHES = 100;

export interface SweepResult {
  requeued: number;
  failed: number;
  /** Active tasks found without a schedule or a live run, now scheduled. */
  scheduled: number;
}

/** Schedules every forgotten active task, in batches; how many it scheduled. */
export function createForgottenSweep({ db, logger, stats }: RunContext) {
  return async function scheduleForgottenTasks(): Promise<number> {
    let scheduled = 0;
    for (let i = 0; i < FORGOTTEN_MAX_BATCHES; i++) {
      const ids = await scheduleForgotten(db, FORGOTTEN_BATCH);
      scheduled += ids.length;
      stats.forgottenScheduled += ids.length;
      if (ids.length < FORGOTTEN_BATCH) break;
    }
    if (scheduled > 0) logger.warn({ scheduled }, 'scheduled active tasks that had no schedule and no live run');
    return scheduled;
  };
}

export function createSweeper(ctx: RunContext, graceSeconds: number) {
  const { db, queue, logger, defaultNextRun } = ctx;
  const scheduleForgottenTasks = createForgottenSweep(ctx);
  return async function sweep(): Promise<SweepResult> {
    const stranded = await strandedExecutions(db, graceSeconds, 500);
    let requeued = 0;
    for (const e of stranded) {
      await db.transaction().execute(async (trx) => {
        if (e.job_state === null) {
          await queue.addMany(trx, jobsOf([e]));
          requeued++;
        } else {
          await failExecution(trx, e.id, STRANDED);
          await rescheduleIfActive(trx, e.task_id, defaultNextRun(), true);
        }
      });
    }
    const failed = stranded.length - requeued;
    if (stranded.length > 0) logger.warn({ requeued, failed }, 'sweep found executions no job would finish');
    const scheduled = await scheduleForgottenTasks();
    return { requeued, failed, scheduled };
  };
}
