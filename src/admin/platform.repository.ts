// SQL of the admin console's read-only views of the whole platform, nothing else. Each list
// reads one index in its order and stops after its page; the stats are aggregates over
// partial/covering indexes (migrations/2026_12_08_1821_admin_indexes.ts says which).
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/types.js';
import type { ExecutionStatus } from '../tasks/task-states.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Up to this many tasks (and ten times as many runs) every row is counted; above, a sample this size is. */
export const STATS_SAMPLE_ROWS = 5_000;
/** How many of the most watched queries the stats list. */
export const POPULAR_QUERIES = 10;

/** The planner's row counts of tasks and task_executions (kept by ANALYZE / autovacuum). */
export async function estimatedSizes(db: Db): Promise<{ tasks: number; executions: number }> {
  const { rows } = await sql<{ relname: string; n: number }>`
    select relname, greatest(reltuples, 0)::float8 as n from pg_class
    where oid in ('tasks'::regclass, 'task_executions'::regclass)`.execute(db);
  const of = (name: string) => Number(rows.find((r) => r.relname === name)?.n ?? 0);
  return { tasks: of('tasks'), executions: of('task_executions') };
}

/** The share of a table's blocks read for about `rows` rows of its `size`: all of them when it is small. */
export const samplePercent = (size: number, rows: number): number =>
  size > rows ? Math.max(0.001, (100 * rows) / size) : 100;

/**
 * The statements behind /admin/stats, by name (the bench EXPLAINs these very ones). Users
 * are counted. Tasks and runs are read through `tablesample system (percent)`: at 100 every
 * row (exact, on a platform of up to STATS_SAMPLE_ROWS tasks); above, a block sample of about
 * that many rows, which the service scales up — a task's last run is one primary-key lookup,
 * so the cost stays that of the sample whatever the table size.
 */
export function statsStatements(
  now: Date,
  percent: { tasks: number; executions: number },
): [string, RawBuilder<Record<string, unknown>>][] {
  const since = new Date(now.getTime() - DAY_MS);
  const tasks = sql`tasks t tablesample system (${sql.lit(percent.tasks)})`;
  return [
    ['users', sql`select count(*)::int as total from users where is_active`],
    [
      'tasks',
      sql`select count(*)::int as sampled, count(*) filter (where t.state = 'active')::int as active,
                 count(*) filter (where t.state = 'active' and e.notification is not null)::int as triggered
          from ${tasks} left join task_executions e on e.id = t.last_execution_id`,
    ],
    [
      'executions_24h',
      sql`select count(*) filter (where started_at >= ${since})::int as total,
                 count(*) filter (where started_at >= ${since} and status = 'failed')::int as failed, count(*)::int as sampled
          from task_executions tablesample system (${sql.lit(percent.executions)})`,
    ],
    [
      'popular_queries',
      // In a sample, a query seen once says nothing of its popularity: twice at least.
      sql`select t.search_query, count(*)::int as count, count(e.notification)::int as triggered_count
          from ${tasks} left join task_executions e on e.id = t.last_execution_id
          group by t.search_query ${percent.tasks < 100 ? sql`having count(*) >= 2` : sql``}
          order by count(*) desc, t.search_query limit ${POPULAR_QUERIES}`,
    ],
  ];
}

export async function runStatement<T>(db: Db, statement: RawBuilder<Record<string, unknown>>): Promise<T[]> {
  return (await statement.execute(db)).rows as T[];
}

export interface AdminTaskRow {
  id: string;
  name: string;
  search_query: string;
  condition_description: string;
  next_run: Date | null;
  state: string;
  last_notification: string | null;
  created_at: Date;
  user_email: string | null;
  execution_count: number;
  trigger_count: number;
  last_known_state: unknown;
  state_changed_at: Date | null;
}

/** Every user's tasks, newest first, with their run counts (each counted on its task's index). */
export async function listAllTasks(
  db: Db,
  q: { limit: number; offset: number; activeOnly: boolean },
): Promise<AdminTaskRow[]> {
  const { rows } = await sql<AdminTaskRow>`
    select t.id, t.name, t.search_query, t.condition_description, t.next_run, t.state,
           le.notification as last_notification, t.created_at, u.email as user_email,
           c.execution_count, c.trigger_count, t.last_known_state, t.state_changed_at
    from (select * from tasks ${q.activeOnly ? sql`where state = 'active'` : sql``}
          order by created_at desc, id desc limit ${q.limit} offset ${q.offset}) t
    join users u on u.id = t.user_id
    left join task_executions le on le.id = t.last_execution_id
    cross join lateral (select count(*)::int as execution_count,
                               count(*) filter (where e.notification is not null)::int as trigger_count
                        from task_executions e where e.task_id = t.id) c
    order by t.created_at desc, t.id desc`.execute(db);
  return rows;
}

export interface AdminExecutionRow {
  id: string;
  task_id: string;
  status: ExecutionStatus;
  started_at: Date;
  completed_at: Date | null;
  result: unknown;
  error_message: string | null;
  notification: string | null;
  grounding_sources: unknown;
  search_query: string;
  task_name: string;
  user_email: string | null;
}

/** Every user's executions, newest first (of one status and/or one task when asked). */
export async function listAllExecutions(
  db: Db,
  q: { limit: number; offset: number; status?: ExecutionStatus; taskId?: string },
): Promise<AdminExecutionRow[]> {
  const where = [
    ...(q.status ? [sql`status = ${q.status}`] : []),
    ...(q.taskId ? [sql`task_id = ${q.taskId}::uuid`] : []),
  ];
  const { rows } = await sql<AdminExecutionRow>`
    select e.id, e.task_id, e.status, e.started_at, e.completed_at, e.result, e.error_message, e.notification,
           e.grounding_sources, t.search_query, t.name as task_name, u.email as user_email
    from (select * from task_executions ${where.length ? sql`where ${sql.join(where, sql` and `)}` : sql``}
          order by started_at desc, id desc limit ${q.limit} offset ${q.offset}) e
    join tasks t on t.id = e.task_id
    join users u on u.id = t.user_id
    order by e.started_at desc, e.id desc`.execute(db);
  return rows;
}

export interface ScheduledRow {
  id: string;
  name: string;
  next_dispatch_at: Date;
}

/** What the dispatcher will start, soonest first (the tasks_due index), and how much is due now. */
export async function scheduledTasks(
  db: Db,
  q: { limit: number; offset: number; now: Date },
): Promise<{ rows: ScheduledRow[]; total: number; due: number }> {
  const [page, counts] = await Promise.all([
    sql<ScheduledRow>`
      select id, name, next_dispatch_at from tasks where next_dispatch_at is not null
      order by next_dispatch_at, id limit ${q.limit} offset ${q.offset}`.execute(db),
    sql<{ total: number; due: number }>`
      select count(*)::int as total, count(*) filter (where next_dispatch_at <= ${q.now})::int as due
      from tasks where next_dispatch_at is not null`.execute(db),
  ]);
  return { rows: page.rows, total: counts.rows[0]?.total ?? 0, due: counts.rows[0]?.due ?? 0 };
}
