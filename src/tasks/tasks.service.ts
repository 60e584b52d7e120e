// Rules for monitoring tasks, shared by GraphQL and REST: defaults and validation, the
// state machine, the active-task limit, names, sharing, forks and executions. Limits and
// transitions are decided inside transactions holding row locks, so concurrent requests
// (on any number of instances) cannot break them.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, ExecutionRow, Notification, TaskState, UserRow } from '../db/types.js';
import { AppError, Errors, violatedUniqueConstraint } from '../errors.js';
import { Issues, isUuid } from '../lib/validation.js';
import type { RunsPort } from '../runs/engine.js';
import { type NotificationRules, newWebhookSecret, parseNotifications, webhookOf } from './notifications.js';
import {
  bumpSubscribers,
  cancelLiveExecutions,
  claimIdempotencyKey,
  completeIdempotencyKey,
  countActiveTasks,
  countView,
  deleteOwnTask,
  findOwnTaskForUpdate,
  findTask,
  findTaskWithLast,
  insertExecution,
  insertTask,
  listExecutions,
  listOwnTasks,
  listPublicTasks,
  lockUser,
  namesStartingWith,
  setVisibility as setTaskVisibility,
  type TaskPatch,
  type TaskWithLast,
  updateTask,
} from './tasks.repository.js';

export const MAX_ACTIVE_TASKS = 50;
export const DEFAULT_TASK_NAME = 'New Monitor';
const STATES: readonly TaskState[] = ['active', 'paused', 'completed'];
const TRANSITIONS: Record<TaskState, readonly TaskState[]> = {
  active: ['paused', 'completed'],
  paused: ['active'],
  completed: ['active'],
};
export const ALREADY_RUNNING = 'Task is already running or pending. Use force=true to override.';

/** Input of create and update, in the REST field names (GraphQL maps onto it). */
export interface TaskInput {
  name?: unknown;
  search_query?: unknown;
  condition_description?: unknown;
  state?: unknown;
  run_immediately?: unknown;
  notifications?: unknown;
}

export interface TaskResult {
  task: TaskWithLast;
  /** Set when this request set or changed the webhook: shown this once. */
  webhookSecret?: string;
  /** Only on create/update with run_immediately. */
  immediateExecutionError?: string | null;
}

export interface TasksServiceDeps {
  db: Kysely<DB>;
  /** The job engine (or its stand-in): schedules and executions are enqueued in our transactions. */
  runs: RunsPort;
  defaultIntervalSeconds: number;
  notificationRules: NotificationRules;
}

export type TasksService = ReturnType<typeof createTasksService>;

export function createTasksService({ db, notificationRules, runs, defaultIntervalSeconds }: TasksServiceDeps) {
  const firstRun = () => new Date(Date.now() + defaultIntervalSeconds * 1000);
  function parse(input: TaskInput, mode: 'create' | 'update') {
    const issues = new Issues();
    const present = (k: keyof TaskInput) => input[k] !== undefined && input[k] !== null;
    const out: {
      name?: string;
      search_query?: string;
      condition_description?: string;
      state?: TaskState;
      run_immediately: boolean;
      notifications?: Notification[];
    } = { run_immediately: false };
    if (present('name')) out.name = issues.string(input.name, ['body', 'name'], 1, 200);
    if (present('search_query') || mode === 'create') {
      if (!present('search_query')) issues.add('missing', ['body', 'search_query'], 'Field required');
      else out.search_query = issues.string(input.search_query, ['body', 'search_query'], 1, 2000);
    }
    if (present('condition_description')) {
      out.condition_description = issues.string(
        input.condition_description,
        ['body', 'condition_description'],
        1,
        2000,
      );
    }
    if (present('state')) {
      if (STATES.includes(input.state as TaskState)) out.state = input.state as TaskState;
      else issues.add('enum', ['body', 'state'], "Input should be 'active', 'paused' or 'completed'");
    }
    if (present('run_immediately')) {
      if (typeof input.run_immediately === 'boolean') out.run_immediately = input.run_immediately;
      else issues.add('bool_type', ['body', 'run_immediately'], 'Input should be a valid boolean');
    }
    issues.throwIfAny();
    if (present('notifications')) out.notifications = parseNotifications(input.notifications, notificationRules);
    return out;
  }

  async function freeName(trx: Transaction<DB>, userId: string, base: string, variant: (n: number) => string) {
    const taken = await namesStartingWith(trx, userId, base);
    for (let n = 1; ; n++) {
      const candidate = variant(n);
      if (!taken.has(candidate)) return candidate;
    }
  }

  async function ensureActiveSlot(trx: Transaction<DB>, userId: string): Promise<void> {
    if ((await countActiveTasks(trx, userId)) >= MAX_ACTIVE_TASKS) {
      throw Errors.badRequest(
        `Active task limit reached: at most ${MAX_ACTIVE_TASKS} active tasks per user. Pause or complete a task first.`,
      );
    }
  }

  function duplicateName(e: unknown, name: string): AppError | undefined {
    if (violatedUniqueConstraint(e) === 'tasks_user_id_name_key') {
      return Errors.conflict(`A task named "${name}" already exists`);
    }
    return undefined;
  }

  async function loadOwn(user: UserRow, taskId: string): Promise<TaskWithLast> {
    const task = isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined;
    if (!task || task.user_id !== user.id) throw Errors.taskNotFound();
    return task;
  }

  async function startExecution(userId: string, taskId: string, force: boolean): Promise<ExecutionRow> {
    try {
      return await db.transaction().execute(async (trx) => {
        const task = await findOwnTaskForUpdate(trx, userId, taskId);
        if (!task) throw Errors.taskNotFound();
        if (force) await cancelLiveExecutions(trx, taskId);
        const exec = await insertExecution(trx, taskId);
        await runs.enqueueExecution(trx, exec.id, taskId);
        // Without a job engine the execution may already have failed, saying why: answer that.
        if (runs.enabled) return exec;
        return (
          (await trx.selectFrom('task_executions').selectAll().where('id', '=', exec.id).executeTakeFirst()) ?? exec
        );
      });
    } catch (e) {
      if (violatedUniqueConstraint(e) === 'task_executions_one_live') throw Errors.conflict(ALREADY_RUNNING);
      throw e;
    }
  }

  async function runImmediately(userId: string, taskId: string): Promise<string | null> {
    try {
      await startExecution(userId, taskId, false);
      return null;
    } catch (e) {
      if (e instanceof AppError && typeof e.detail === 'string') return e.detail;
      throw e;
    }
  }

  async function withRefreshed(taskId: string, extra: Omit<TaskResult, 'task'>): Promise<TaskResult> {
    const task = await findTaskWithLast(db, taskId);
    if (!task) throw Errors.taskNotFound();
    return { task, ...extra };
  }

  return {
    /**
     * With an idempotency key, a retry of the same request replays the task the first one
     * created (even when its response was lost), and never creates a second one.
     */
    async create(viewer: Viewer, input: TaskInput, opts: { idempotencyKey?: string } = {}): Promise<TaskResult> {
      const user = requireUser(viewer);
      const p = parse(input, 'create');
      const idem = opts.idempotencyKey;
      if (idem !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idem)) {
        throw Errors.badRequest('Invalid Idempotency-Key header: 1 to 255 visible ASCII characters');
      }
      const requestHash = createHash('sha256').update(JSON.stringify(p)).digest('hex');
      let replayOf: string | null = null;
      const state = p.state ?? 'active';
      const notifications = p.notifications ?? [];
      const webhookSecret = webhookOf(notifications) ? newWebhookSecret() : undefined;
      const searchQuery = p.search_query as string;
      let name = p.name ?? DEFAULT_TASK_NAME;
      let created: { id: string };
      try {
        created = await db.transaction().execute(async (trx) => {
          await lockUser(trx, user.id);
          if (idem !== undefined) {
            const earlier = await claimIdempotencyKey(trx, user.id, idem, requestHash);
            if (earlier) {
              if (earlier.request_hash !== requestHash) {
                throw Errors.validation([
                  {
                    type: 'idempotency_key_reused',
                    loc: ['header', 'idempotency-key'],
                    msg: 'This Idempotency-Key was already used with a different request',
                  },
                ]);
              }
              if (!earlier.resource_id) throw Errors.conflict('A request with this Idempotency-Key is in progress');
              replayOf = earlier.resource_id;
              return { id: earlier.resource_id };
            }
          }
          if (state === 'active') await ensureActiveSlot(trx, user.id);
          if (p.name === undefined) {
            name = await freeName(trx, user.id, DEFAULT_TASK_NAME, (n) =>
              n === 1 ? DEFAULT_TASK_NAME : `${DEFAULT_TASK_NAME} ${n}`,
            );
          }
          const nextRun = state === 'active' ? firstRun() : null;
          const task = await insertTask(trx, {
            user_id: user.id,
            name,
            search_query: searchQuery,
            condition_description: p.condition_description ?? searchQuery,
            state,
            notifications,
            webhook_secret: webhookSecret ?? null,
            next_run: nextRun,
          });
          if (nextRun) await runs.scheduleTask(trx, task.id, nextRun);
          if (idem !== undefined) await completeIdempotencyKey(trx, user.id, idem, task.id);
          return task;
        });
      } catch (e) {
        throw duplicateName(e, name) ?? e;
      }
      // A replay answers what exists now, without a second run or a second secret.
      if (replayOf) return withRefreshed(replayOf, { immediateExecutionError: null });
      const immediateExecutionError = p.run_immediately ? await runImmediately(user.id, created.id) : null;
      return withRefreshed(created.id, { ...(webhookSecret && { webhookSecret }), immediateExecutionError });
    },

    async list(viewer: Viewer, state?: unknown): Promise<TaskWithLast[]> {
      const user = requireUser(viewer);
      if (state !== undefined && state !== null && !STATES.includes(state as TaskState)) {
        throw Errors.validation([
          { type: 'enum', loc: ['query', 'state'], msg: "Input should be 'active', 'paused' or 'completed'" },
        ]);
      }
      return listOwnTasks(db, user.id, (state ?? undefined) as TaskState | undefined);
    },

    /** The owner sees everything; anyone (even anonymous) sees a public task, scrubbed. */
    async get(viewer: Viewer, taskId: string): Promise<{ task: TaskWithLast; owner: boolean }> {
      const task = isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined;
      if (!task) throw Errors.taskNotFound();
      if (viewer.kind !== 'anonymous' && viewer.user?.id === task.user_id) return { task, owner: true };
      if (!task.is_public || !(await countView(db, task.id))) throw Errors.taskNotFound();
      return { task: scrub({ ...task, view_count: task.view_count + 1 }), owner: false };
    },

    async update(viewer: Viewer, taskId: string, input: TaskInput): Promise<TaskResult> {
      const user = requireUser(viewer);
      if (!isUuid(taskId)) throw Errors.taskNotFound();
      const p = parse(input, 'update');
      let webhookSecret: string | undefined;
      try {
        await db.transaction().execute(async (trx) => {
          // Lock order: user, then task — the same order as create and fork.
          if (p.state === 'active') await lockUser(trx, user.id);
          const task = await findOwnTaskForUpdate(trx, user.id, taskId);
          if (!task) throw Errors.taskNotFound();
          const patch: TaskPatch = {};
          if (p.state !== undefined && p.state !== task.state) {
            if (!TRANSITIONS[task.state].includes(p.state)) {
              throw Errors.badRequest(`Invalid state transition: ${task.state} -> ${p.state}`);
            }
            if (p.state === 'active') {
              await ensureActiveSlot(trx, user.id);
              patch.next_run = firstRun();
              await runs.scheduleTask(trx, taskId, patch.next_run);
            } else {
              // Pausing or completing ends the schedule; a manual run can still be asked for.
              patch.next_run = null;
              await runs.cancelSchedule(trx, taskId);
            }
            patch.state = p.state;
          }
          if (p.name !== undefined && p.name !== task.name) patch.name = p.name;
          if (p.search_query !== undefined) patch.search_query = p.search_query;
          if (p.condition_description !== undefined) patch.condition_description = p.condition_description;
          if (p.notifications !== undefined) {
            patch.notifications = p.notifications;
            const before = webhookOf(task.notifications);
            const after = webhookOf(p.notifications);
            if (!after) patch.webhook_secret = null;
            else if (!before || before.url !== after.url || !task.webhook_secret) {
              webhookSecret = newWebhookSecret();
              patch.webhook_secret = webhookSecret;
            }
          }
          await updateTask(trx, taskId, patch);
        });
      } catch (e) {
        throw duplicateName(e, p.name ?? '') ?? e;
      }
      const immediateExecutionError = p.run_immediately ? await runImmediately(user.id, taskId) : undefined;
      return withRefreshed(taskId, {
        ...(webhookSecret && { webhookSecret }),
        ...(immediateExecutionError !== undefined && { immediateExecutionError }),
      });
    },

    async remove(viewer: Viewer, taskId: string): Promise<void> {
      const user = requireUser(viewer);
      if (!isUuid(taskId)) throw Errors.taskNotFound();
      await db.transaction().execute(async (trx) => {
        if (!(await deleteOwnTask(trx, user.id, taskId))) throw Errors.taskNotFound();
        await runs.cancelSchedule(trx, taskId);
      });
    },

    async setVisibility(viewer: Viewer, taskId: string, isPublic: unknown): Promise<TaskWithLast> {
      const user = requireUser(viewer);
      if (typeof isPublic !== 'boolean') {
        throw Errors.validation([
          { type: 'bool_type', loc: ['body', 'is_public'], msg: 'Input should be a valid boolean' },
        ]);
      }
      if (!isUuid(taskId) || !(await setTaskVisibility(db, user.id, taskId, isPublic))) {
        throw Errors.taskNotFound();
      }
      return loadOwn(user, taskId);
    },

    /** A paused private copy. Another user's fork leaves notifications behind and counts as a subscriber. */
    async fork(viewer: Viewer, taskId: string, name?: unknown): Promise<TaskResult> {
      const user = requireUser(viewer);
      const issues = new Issues();
      const explicitName =
        name === undefined || name === null ? undefined : issues.string(name, ['body', 'name'], 1, 200);
      issues.throwIfAny();
      const source = isUuid(taskId) ? await findTask(db, taskId) : undefined;
      const own = source?.user_id === user.id;
      if (!source || (!own && !source.is_public)) throw Errors.taskNotFound();
      const notifications = own ? source.notifications : [];
      const webhookSecret = webhookOf(notifications) ? newWebhookSecret() : undefined;
      let forkName = explicitName ?? '';
      let created: { id: string };
      try {
        created = await db.transaction().execute(async (trx) => {
          await lockUser(trx, user.id);
          if (explicitName === undefined) {
            const base = `${source.name} (Copy`;
            forkName = await freeName(trx, user.id, base, (n) => (n === 1 ? `${base})` : `${base} ${n})`));
          }
          const task = await insertTask(trx, {
            user_id: user.id,
            name: forkName,
            search_query: source.search_query,
            condition_description: source.condition_description,
            state: 'paused',
            is_public: false,
            forked_from_task_id: source.id,
            notifications,
            webhook_secret: webhookSecret ?? null,
          });
          if (!own) await bumpSubscribers(trx, source.id);
          return task;
        });
      } catch (e) {
        throw duplicateName(e, forkName) ?? e;
      }
      return withRefreshed(created.id, { ...(webhookSecret && { webhookSecret }) });
    },

    async execute(viewer: Viewer, taskId: string, force: boolean): Promise<ExecutionRow> {
      const user = requireUser(viewer);
      if (!isUuid(taskId)) throw Errors.taskNotFound();
      return startExecution(user.id, taskId, force);
    },

    async executions(viewer: Viewer, taskId: string, limit: unknown, notifiedOnly = false): Promise<ExecutionRow[]> {
      const user = requireUser(viewer);
      const n = limit === undefined || limit === null ? 100 : Number(limit);
      if (!Number.isInteger(n) || n < 1 || n > 500) {
        throw Errors.validation([
          { type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be an integer between 1 and 500' },
        ]);
      }
      await loadOwn(user, taskId);
      return listExecutions(db, taskId, { limit: n, notifiedOnly });
    },

    async publicList(q: { offset?: unknown; limit?: unknown; sort?: unknown }) {
      const issues = new Issues();
      const offset = q.offset === undefined || q.offset === null ? 0 : Number(q.offset);
      const limit = q.limit === undefined || q.limit === null ? 20 : Number(q.limit);
      const sort = q.sort === undefined || q.sort === null ? 'recent' : q.sort;
      if (!Number.isInteger(offset) || offset < 0) {
        issues.add('greater_than_equal', ['query', 'offset'], 'Input should be greater than or equal to 0');
      }
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        issues.add('less_than_equal', ['query', 'limit'], 'Input should be an integer between 1 and 100');
      }
      if (sort !== 'recent' && sort !== 'popular')
        issues.add('enum', ['query', 'sort_by'], "Input should be 'recent' or 'popular'");
      issues.throwIfAny();
      const page = await listPublicTasks(db, { offset, limit, sort: sort as 'recent' | 'popular' });
      return { tasks: page.tasks.map(scrub), total: page.total, offset, limit };
    },

    /** A public task for anyone, no credentials needed. */
    async publicGet(taskId: string): Promise<TaskWithLast> {
      const task = isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined;
      if (!task?.is_public || !(await countView(db, task.id))) throw Errors.taskNotFound();
      return scrub({ ...task, view_count: task.view_count + 1 });
    },
  };
}

/**
 * What a non-owner may see of a public task: no notification targets, no secrets, and of
 * its last run only the outcome (not the owner's notification or error details).
 */
export function scrub(task: TaskWithLast): TaskWithLast {
  return {
    ...task,
    notifications: [],
    webhook_secret: null,
    last_execution: task.last_execution ? { ...task.last_execution, notification: null, error_message: null } : null,
  };
}
