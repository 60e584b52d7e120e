// SQL of the run handlers, nothing else: starting due runs, claiming an execution with a
// run token, and writing its outcome only while that token holds — each in one statement.
import { sql } from 'kysely';
import type { Db, ExecutionRow, TaskRow } from '../db/types.js';
import { EXECUTION_COLUMNS } from '../tasks/executions.repository.js';
import { LIVE_STATUSES } from '../tasks/task-states.js';

const LIVE = sql.join(LIVE_STATUSES.map((s) => sql.lit(s)));

/** The job engine's queue of runs (its jobs' ids are the executions'). */
export const RUN_QUEUE = 'task-execution';

/**
 * Starts the runs of up to `limit` due tasks: each gets a pending execution and leaves the
 * schedule until that run ends. Tasks of disabled owners are looked at again `holdSeconds`
 * later; a task whose run is already under way is left to that run. Rows another instance
 * is dispatching are skipped, so instances share the work without waiting on each other.
 */
/** Whether any task is due (the first entry of the tasks_due index). */
export async function anyDue(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('tasks')
    .select(sql<number>`1`.as('due'))
    .where('next_dispatch_at', '<=', sql<Date>`now()`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function dispatchDue(
  db: Db,
  limit: number,
  holdSeconds: number,
): Promise<{ started: { id: string; task_id: string }[]; due: number }> {
  const { rows } = await sql<{ id: string | null; task_id: string; due: number }>`
    with due as (
      select t.id, u.is_active as owner_active,
             exists (select 1 from task_executions e where e.task_id = t.id and e.status in (${LIVE})) as busy
      from tasks t join users u on u.id = t.user_id
      where t.next_dispatch_at <= now()
      order by t.next_dispatch_at
      limit ${limit}
      for update of t skip locked
    ),
    held as (
      update tasks set next_dispatch_at = now() + make_interval(secs => ${holdSeconds})
      where id in (select id from due where not owner_active)
    ),
    started as (
      insert into task_executions (task_id)
      select id from due where owner_active and not busy
      returning id, task_id
    ),
    moved as (
      update tasks t set next_dispatch_at = null,
        last_execution_id = coalesce((select s.id from started s where s.task_id = t.id), t.last_execution_id)
      where t.id in (select id from due where owner_active)
    )
    select s.id, s.task_id, (select count(*)::int from due) as due
    from (select 1) one left join started s on true`.execute(db);
  return {
    started: rows.filter((r): r is { id: string; task_id: string; due: number } => r.id !== null),
    due: rows[0]?.due ?? 0,
  };
}

/**
 * Schedules up to `limit` active tasks that have neither a schedule nor a live run (the
 * dispatcher would never start them): at their next_run, or now when it is unset. Rows
 * another instance holds are skipped, and each row's state is checked again once locked,
 * so concurrent sweeps on several instances schedule each task once. The ids scheduled.
 */
export async function scheduleForgotten(db: Db, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with forgotten as (
      select t.id from tasks t
      where t.state = 'active' and t.next_dispatch_at is null
        and not exists (select 1 from task_executions e where e.task_id = t.id and e.status in (${LIVE}))
      limit ${limit}
      for update of t skip locked
    )
    update tasks t set next_dispatch_at = coalesce(t.next_run, now())
    from forgotten f where t.id = f.id
    returning t.id`.execute(db);
  return rows.map((r) => r.id);
}

/** The claimed run with everything it needs: its task, the owner's state, recent results. */
export type Claim = TaskRow & {
  execution_id: string;
  run_token: string;
  attempts: number;
  owner_active: boolean;
  recent: { at: string; result: unknown }[];
};

/**
 * Claims an execution with a fresh run token, in one statement with what the run needs.
 * 'running' is re-claimable because the engine hands a job to one worker at a time and
 * only re-delivers it when that worker died.
 */
export async function claimExecution(db: Db, executionId: string): Promise<Claim | undefined> {
  const { rows } = await sql<Claim>`
    with c as (
      update task_executions set status = 'running', run_token = gen_random_uuid(), attempts = attempts + 1,
        started_at = case when attempts = 0 then now() else started_at end
      where id = ${executionId} and status in (${LIVE})
      returning id, task_id, run_token, attempts
    )
    select t.*, c.id as execution_id, c.run_token, c.attempts, u.is_active as owner_active,
      coalesce((
        select json_agg(json_build_object('at', r.started_at, 'result', r.result) order by r.started_at desc)
        from (select x.started_at, x.result from task_executions x
              where x.task_id = c.task_id and x.status = 'success'
              order by x.started_at desc limit 3) r), '[]'::json) as recent
    from c join tasks t on t.id = c.task_id join users u on u.id = t.user_id`.execute(db);
  return rows[0];
}

/** Ends a run as retrying, failed or cancelled, only while it still holds its token. */
export async function finishRun(
  db: Db,
  executionId: string,
  token: string,
  set: { status: 'retrying' | 'failed' | 'cancelled'; error_message: string },
): Promise<boolean> {
  const r = await db
    .updateTable('task_executions')
    .set({ ...set, ...(set.status !== 'retrying' && { completed_at: sql<Date>`now()` }) })
    .where('id', '=', executionId)
    .where('run_token', '=', token)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export interface RunOutcome {
  result: unknown;
  notification: string | null;
  sources: unknown[];
  knownState: unknown;
  /** null = the agent said stop: an active task completes. */
  nextRun: Date | null;
}

const TASK_JSON_DATES = ['next_run', 'next_dispatch_at', 'state_changed_at', 'created_at', 'updated_at'] as const;
const EXEC_JSON_DATES = ['started_at', 'completed_at', 'created_at'] as const;

function withDates<T>(row: Record<string, unknown>, keys: readonly string[]): T {
  for (const k of keys) if (typeof row[k] === 'string') row[k] = new Date(row[k] as string);
  return row as T;
}

/**
 * Records a successful run while it holds its token, and on its task (in the same
 * statement): what the agent learned, the next run (or completion when it said stop).
 * Undefined when the run was cancelled or superseded meanwhile.
 */
export async function succeedRun(
  db: Db,
  executionId: string,
  token: string,
  o: RunOutcome,
): Promise<{ execution: ExecutionRow; task: TaskRow } | undefined> {
  const next = o.nextRun;
  const { rows } = await sql<{ execution: Record<string, unknown>; task: Record<string, unknown> }>`
    with e as (
      update task_executions set status = 'success', completed_at = now(), error_message = null,
        result = ${JSON.stringify(o.result)}::jsonb, notification = ${o.notification},
        grounding_sources = ${JSON.stringify(o.sources)}::jsonb
      where id = ${executionId} and run_token = ${token} and status = 'running'
      returning ${sql.join(EXECUTION_COLUMNS.map((c) => sql.ref(c)))}
    ),
    t as (
      update tasks set last_execution_id = e.id, last_known_state = ${JSON.stringify(o.knownState)}::jsonb,
        next_run = case when tasks.state = 'active' then ${next}::timestamptz else tasks.next_run end,
        next_dispatch_at = case when tasks.state = 'active' then ${next}::timestamptz else null end,
        state = case when tasks.state = 'active' and ${next}::timestamptz is null then 'completed' else tasks.state end,
        state_changed_at = case when tasks.state = 'active' and ${next}::timestamptz is null
                                then now() else tasks.state_changed_at end
      from e where tasks.id = e.task_id
      returning tasks.*
    )
    select row_to_json(e) as execution, row_to_json(t) as task from e join t on true`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    execution: withDates<ExecutionRow>(row.execution, EXEC_JSON_DATES),
    task: withDates<TaskRow>(row.task, TASK_JSON_DATES),
  };
}

/** After a failed or cancelled run: an active task is scheduled again at `at`. */
export async function rescheduleIfActive(db: Db, taskId: string, at: Date, moveNextRun: boolean): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ next_dispatch_at: at, ...(moveNextRun && { next_run: at }) })
    .where('id', '=', taskId)
    .where('state', '=', 'active')
    .execute();
}

/**
 * Live executions older than `olderThanSeconds` that no job will run, with the state of
 * their job in the engine's own table (null: the job is gone, e.g. a restored backup; else
 * it ended, e.g. expired on its last attempt). Jobs are looked up by id (the execution's),
 * so the cost follows the executions in flight, not the size of any table.
 */
export async function strandedExecutions(db: Db, olderThanSeconds: number, limit: number) {
  const { rows } = await sql<{ id: string; task_id: string; job_state: string | null }>`
    select e.id, e.task_id, j.state as job_state from task_executions e
    left join pgboss.job j on j.name = ${RUN_QUEUE} and j.id = e.id
    where e.status in (${LIVE})
      and e.started_at < now() - make_interval(secs => ${olderThanSeconds})
      and (j.id is null or j.state not in ('created', 'retry', 'active'))
    limit ${limit}`.execute(db);
  return rows;
}
