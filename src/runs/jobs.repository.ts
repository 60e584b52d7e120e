// SQL that looks at the job engine's own table (pg-boss, schema `pgboss`), nothing else.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import { LIVE_STATUSES } from '../tasks/task-states.js';

/**
 * Live executions older than `olderThanSeconds` that no job will run, with the state of
 * their job (null: the job is gone, e.g. a restored backup; else it ended, e.g. expired on
 * its last attempt). Jobs are looked up by id (the execution's), so the cost follows the
 * executions in flight, not the size of any table.
 */
export async function strandedExecutions(db: Db, queue: string, olderThanSeconds: number, limit: number) {
  const live = sql.join(LIVE_STATUSES.map((s) => sql.lit(s)));
  const { rows } = await sql<{ id: string; task_id: string; job_state: string | null }>`
    select e.id, e.task_id, j.state as job_state from task_executions e
    left join pgboss.job j on j.name = ${queue} and j.id = e.id
    where e.status in (${live})
      and e.started_at < now() - make_interval(secs => ${olderThanSeconds})
      and (j.id is null or j.state not in ('created', 'retry', 'active'))
    limit ${limit}`.execute(db);
  return rows;
}
