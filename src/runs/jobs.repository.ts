// SQL on the job engine's own table (pg-boss, schema `pgboss`), nothing else.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';
import { LIVE_STATUSES } from '../tasks/task-states.js';

export async function cancelPendingJobs(db: Db, queue: string, singletonKey: string): Promise<void> {
  await sql`update pgboss.job set state = 'cancelled', completed_on = now()
    where name = ${queue} and singleton_key = ${singletonKey} and state in ('created', 'retry')`.execute(db);
}

/** Active tasks of enabled users with neither a pending schedule job nor a live execution (at most `limit`). */
export async function tasksWithoutSchedule(db: Db, queue: string, limit: number) {
  const live = sql.join(LIVE_STATUSES.map((s) => sql.lit(s)));
  const rows = await sql<{ id: string; next_run: Date | null }>`
    select t.id, t.next_run from tasks t
    join users u on u.id = t.user_id and u.is_active
    where t.state = 'active'
      and not exists (
        select 1 from pgboss.job j
        where j.name = ${queue} and j.singleton_key = t.id::text and j.state in ('created', 'retry', 'active'))
      and not exists (
        select 1 from task_executions e where e.task_id = t.id and e.status in (${live}))
    limit ${limit}`.execute(db);
  return rows.rows;
}
