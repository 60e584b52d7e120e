// SQL for tasks, nothing else (executions and idempotency keys have their own files).
import { sql, type Transaction } from 'kysely';
import type { DB, Db, ExecutionRow, Notification, TaskRow, TaskState } from '../db/types.js';

export type TaskWithLast = TaskRow & { last_execution: ExecutionRow | null };

/** Tasks with their latest execution, in ONE statement (a lateral join), however many tasks. */
export function tasksWithLast(db: Db) {
  return db
    .selectFrom('tasks as t')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('task_executions as x')
          .selectAll('x')
          .whereRef('x.task_id', '=', 't.id')
          .orderBy('x.started_at', 'desc')
          .orderBy('x.id', 'desc')
          .limit(1)
          .as('e'),
      (join) => join.onTrue(),
    )
    .selectAll('t')
    .select([
      'e.id as le_id',
      'e.task_id as le_task_id',
      'e.status as le_status',
      'e.started_at as le_started_at',
      'e.completed_at as le_completed_at',
      'e.result as le_result',
      'e.error_message as le_error_message',
      'e.notification as le_notification',
      'e.grounding_sources as le_grounding_sources',
      'e.created_at as le_created_at',
    ]);
}

export type JoinedRow = TaskRow & {
  le_id: string | null;
  le_task_id: string | null;
  le_status: ExecutionRow['status'] | null;
  le_started_at: Date | null;
  le_completed_at: Date | null;
  le_result: unknown;
  le_error_message: string | null;
  le_notification: string | null;
  le_grounding_sources: ExecutionRow['grounding_sources'] | null;
  le_created_at: Date | null;
};

export function splitJoined(r: JoinedRow): TaskWithLast {
  const {
    le_id,
    le_task_id,
    le_status,
    le_started_at,
    le_completed_at,
    le_result,
    le_error_message,
    le_notification,
    le_grounding_sources,
    le_created_at,
    ...task
  } = r;
  return {
    ...task,
    last_execution: le_id
      ? {
          id: le_id,
          task_id: le_task_id as string,
          status: le_status as ExecutionRow['status'],
          started_at: le_started_at as Date,
          completed_at: le_completed_at,
          result: le_result,
          error_message: le_error_message,
          notification: le_notification,
          grounding_sources: le_grounding_sources ?? [],
          created_at: le_created_at as Date,
        }
      : null,
  };
}

export function ownTasksQuery(db: Db, userId: string, state?: TaskState) {
  let q = tasksWithLast(db).where('t.user_id', '=', userId);
  if (state) q = q.where('t.state', '=', state);
  return q.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc');
}

export async function listOwnTasks(db: Db, userId: string, state?: TaskState): Promise<TaskWithLast[]> {
  const rows = await ownTasksQuery(db, userId, state).execute();
  return (rows as JoinedRow[]).map(splitJoined);
}

export async function findTaskWithLast(db: Db, taskId: string): Promise<TaskWithLast | undefined> {
  const row = await tasksWithLast(db).where('t.id', '=', taskId).executeTakeFirst();
  return row ? splitJoined(row as JoinedRow) : undefined;
}

/** Serialises task creation, forks and activations of one user (the active-task limit). */
export async function lockUser(trx: Transaction<DB>, userId: string): Promise<void> {
  await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
}

export async function countActiveTasks(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('state', '=', 'active')
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Names of the user's tasks that start with `base`, to find a free "New Monitor 2". */
export async function namesStartingWith(db: Db, userId: string, base: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('tasks')
    .select('name')
    .where('user_id', '=', userId)
    .where(sql<boolean>`left(name, ${base.length}) = ${base}`)
    .execute();
  return new Set(rows.map((r) => r.name));
}

export interface NewTask {
  user_id: string;
  name: string;
  search_query: string;
  condition_description: string;
  state: TaskState;
  notifications: Notification[];
  webhook_secret: string | null;
  is_public?: boolean;
  forked_from_task_id?: string | null;
  next_run?: Date | null;
  /** JSON text of Torale's `context` object, or null. */
  context?: string | null;
}

/** A task scheduled at next_run (the dispatcher starts it then). */
export async function insertTask(db: Db, t: NewTask): Promise<TaskRow> {
  return db
    .insertInto('tasks')
    .values({ ...t, notifications: JSON.stringify(t.notifications), next_dispatch_at: t.next_run ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findOwnTaskForUpdate(
  trx: Transaction<DB>,
  userId: string,
  taskId: string,
): Promise<TaskRow | undefined> {
  return trx
    .selectFrom('tasks')
    .selectAll()
    .where('id', '=', taskId)
    .where('user_id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

export interface TaskPatch {
  name?: string;
  search_query?: string;
  condition_description?: string;
  state?: TaskState;
  notifications?: Notification[];
  webhook_secret?: string | null;
  /** null on every save of a webhook: saving turns a disabled webhook on again. */
  webhook_disabled_at?: null;
  webhook_disabled_reason?: null;
  webhook_failing_since?: null;
  is_public?: boolean;
  next_run?: Date | null;
  /** JSON text, or null to clear. */
  context?: string | null;
}

export async function updateTask(db: Db, taskId: string, patch: TaskPatch): Promise<void> {
  const { notifications, state, ...rest } = patch;
  if (Object.keys(patch).length === 0) return;
  await db
    .updateTable('tasks')
    .set({
      ...rest,
      ...(notifications !== undefined && { notifications: JSON.stringify(notifications) }),
      ...(state !== undefined && { state, state_changed_at: sql<Date>`now()` }),
      // The schedule follows next_run: set = start a run then, null = nothing to start.
      ...(rest.next_run !== undefined && { next_dispatch_at: rest.next_run }),
    })
    .where('id', '=', taskId)
    .execute();
}

export async function setVisibility(db: Db, userId: string, taskId: string, isPublic: boolean): Promise<boolean> {
  const r = await db
    .updateTable('tasks')
    .set({ is_public: isPublic })
    .where('id', '=', taskId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function deleteOwnTask(db: Db, userId: string, taskId: string): Promise<boolean> {
  const r = await db.deleteFrom('tasks').where('id', '=', taskId).where('user_id', '=', userId).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/**
 * A view of a public task by `viewer`: counted once per viewer per (UTC) day, in one
 * statement. `public` is false when the task is not (or no longer) public.
 */
export async function recordView(
  db: Db,
  taskId: string,
  viewer: string,
): Promise<{ public: boolean; counted: boolean }> {
  const { rows } = await sql<{ public: boolean; counted: boolean }>`
    with t as (select id from tasks where id = ${taskId} and is_public),
    v as (
      insert into task_views (task_id, day, viewer)
      select id, (now() at time zone 'utc')::date, ${viewer} from t
      on conflict do nothing
      returning task_id),
    u as (update tasks set view_count = view_count + 1 where id in (select task_id from v) returning id)
    select exists (select 1 from t) as public, exists (select 1 from u) as counted`.execute(db);
  return rows[0] ?? { public: false, counted: false };
}

/** A fork by `userId` makes them a subscriber once; the count moves only for a new one. */
export async function addSubscriber(db: Db, taskId: string, userId: string): Promise<void> {
  await sql`
    with s as (
      insert into task_subscribers (task_id, user_id) values (${taskId}, ${userId})
      on conflict do nothing returning task_id)
    update tasks set subscriber_count = subscriber_count + 1 where id in (select task_id from s)`.execute(db);
}

export async function countTasks(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('tasks')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Views older than `days` days, no longer needed to tell repeat viewers apart. */
export async function deleteOldViews(db: Db, days: number): Promise<number> {
  const r = await db
    .deleteFrom('task_views')
    .where('day', '<', sql<Date>`(now() at time zone 'utc')::date - ${days}::int`)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function findTask(db: Db, taskId: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
}
