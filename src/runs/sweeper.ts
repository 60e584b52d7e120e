// Once a minute (one instance at a time): executions that no job will finish. A run whose
// job is gone is queued again; a run whose job ended without finishing it (its worker died
// on the last attempt) fails with a reason, and its task is scheduled again.
import { failExecution } from '../tasks/executions.repository.js';
import { jobsOf, type RunContext } from './run-context.js';
import { rescheduleIfActive, strandedExecutions } from './runs.repository.js';

export const STRANDED = 'The run did not finish: the worker running it stopped';

export function createSweeper({ db, queue, logger, defaultNextRun }: RunContext, graceSeconds: number) {
  return async function sweep(): Promise<{ requeued: number; failed: number }> {
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
    return { requeued, failed };
  };
}
