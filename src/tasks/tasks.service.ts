// A user's own tasks: create (with Idempotency-Key replays), list, update through the
// state machine, delete. Limits and transitions are decided inside transactions holding
// row locks (user, then task), so concurrent requests on any number of instances cannot
// break them. Inputs arrive validated against tasks.schemas.ts.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import { ensureNoConnectors } from '../connectors/connectors.service.js';
import type { DB, Notification } from '../db/types.js';
import { Errors } from '../errors.js';
import { isUuid } from '../lib/validation.js';
import { newWebhookSecret } from '../webhooks/webhook-signing.js';
import { type TargetRules, webhookOf } from '../webhooks/webhook-targets.js';
import { findDefaultWebhook } from '../webhooks/webhooks.repository.js';
import { contextJson } from './context.js';
import type { ExecutionsService } from './executions.service.js';
import { claimIdempotencyKey, completeIdempotencyKey, deleteExpiredIdempotencyKeys } from './idempotency.repository.js';
import { parseNotifications } from './notifications.js';
import { lockOwnTask } from './task-access.js';
import { type TaskState, TRANSITIONS } from './task-states.js';
import type { TaskExtras } from './tasks.json.js';
import {
  deleteOwnTask,
  findTask,
  findTaskWithLast,
  insertTask,
  listOwnTasks,
  lockUser,
  type TaskPatch,
  type TaskWithLast,
  updateTask,
} from './tasks.repository.js';
import {
  DEFAULT_TASK_NAME,
  defaultName,
  duplicateName,
  ensureActiveSlot,
  ensureTaskSlot,
  FIRST_CHECK_SECONDS,
  freeName,
} from './tasks.rules.js';
import type { CreateTaskBody, UpdateTaskBody } from './tasks.schemas.js';

export type TaskResult = { task: TaskWithLast } & TaskExtras;

export interface TasksServiceDeps {
  db: Kysely<DB>;
  executions: ExecutionsService;
  maxTasksPerUser: number;
  notificationRules: TargetRules;
}

export type TasksService = ReturnType<typeof createTasksService>;

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,255}$/;

export function createTasksService(deps: TasksServiceDeps) {
  const { db, executions } = deps;
  // An active task is first checked a minute after it is created or resumed, as on Torale.
  const firstRun = () => new Date(Date.now() + FIRST_CHECK_SECONDS * 1000);

  /**
   * The user's enabled default webhook, as a task's notification and its signing secret.
   * One that no longer passes the target rules (they were relaxed when it was saved) is left out.
   */
  async function defaultWebhookOf(trx: Transaction<DB>, userId: string) {
    const saved = await findDefaultWebhook(trx, userId);
    if (!saved?.enabled) return undefined;
    let hook: Notification;
    try {
      [hook] = parseNotifications([{ type: 'webhook', url: saved.url }], deps.notificationRules) as [Notification];
    } catch {
      return undefined;
    }
    return { hook, secret: saved.secret };
  }

  /** The state machine: the patch moving a task of `userId` from one state to another, else 400. */
  async function transition(trx: Transaction<DB>, userId: string, from: TaskState, to: TaskState): Promise<TaskPatch> {
    if (!TRANSITIONS[from].includes(to)) {
      throw Errors.badRequest(`Invalid state transition: Cannot transition from ${from} to ${to}`);
    }
    if (to === 'active') {
      await ensureActiveSlot(trx, userId);
      return { state: to, next_run: firstRun() };
    }
    // Pausing or completing ends the schedule; a manual run can still be asked for.
    return { state: to, next_run: null };
  }

  async function refreshed(taskId: string, extra: TaskExtras): Promise<TaskResult> {
    const task = await findTaskWithLast(db, taskId);
    if (!task) throw Errors.taskNotFound();
    return { task, ...extra };
  }

  return {
    /** Hourly housekeeping: forgets Idempotency-Keys past their 24 hours. */
    cleanup: (): Promise<number> => deleteExpiredIdempotencyKeys(db),

    /**
     * With an idempotency key, a retry of the same request replays the task the first one
     * created (even when its response was lost), and never creates a second one.
     */
    async create(viewer: Viewer, input: CreateTaskBody, opts: { idempotencyKey?: string } = {}): Promise<TaskResult> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      const idem = opts.idempotencyKey;
      if (idem !== undefined && !IDEMPOTENCY_KEY_RE.test(idem)) {
        throw Errors.badRequest('Invalid Idempotency-Key header: 1 to 255 visible ASCII characters');
      }
      ensureNoConnectors(input.attached_connector_slugs);
      const notifications = input.notifications ? parseNotifications(input.notifications, deps.notificationRules) : [];
      const context = contextJson(input.context ?? null);
      // The same request hashes the same whatever the order of its JSON fields.
      const canonical = [
        input.name,
        input.search_query,
        input.condition_description,
        input.state,
        !!input.run_immediately,
        notifications,
        context,
      ];
      const requestHash = createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
      const state = input.state ?? 'active';
      const webhookSecret = webhookOf(notifications) ? newWebhookSecret() : undefined;
      let name = input.name ?? DEFAULT_TASK_NAME;
      let replayOf: string | null = null;
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
          await ensureTaskSlot(trx, user.id, deps.maxTasksPerUser);
          if (state === 'active') await ensureActiveSlot(trx, user.id);
          if (input.name === undefined) name = await freeName(trx, user.id, DEFAULT_TASK_NAME, defaultName);
          const nextRun = state === 'active' ? firstRun() : null;
          const fallback = input.notifications === undefined ? await defaultWebhookOf(trx, user.id) : undefined;
          const task = await insertTask(trx, {
            user_id: user.id,
            name,
            search_query: input.search_query,
            condition_description: input.condition_description ?? input.search_query,
            state,
            notifications: fallback ? [fallback.hook] : notifications,
            webhook_secret: fallback?.secret ?? webhookSecret ?? null,
            next_run: nextRun,
            context,
          });
          if (idem !== undefined) await completeIdempotencyKey(trx, user.id, idem, task.id);
          return task;
        });
      } catch (e) {
        throw duplicateName(e, name) ?? e;
      }
      // A replay answers what exists now, without a second run or a second secret.
      if (replayOf) return refreshed(replayOf, { immediateExecutionError: null });
      const immediateExecutionError = input.run_immediately
        ? await executions.runImmediately(user.id, created.id)
        : null;
      return refreshed(created.id, { ...(webhookSecret && { webhookSecret }), immediateExecutionError });
    },

    async list(viewer: Viewer, state?: TaskState): Promise<TaskWithLast[]> {
      requireScope(viewer, 'tasks:read');
      return listOwnTasks(db, requireUser(viewer).id, state);
    },

    async update(viewer: Viewer, taskId: string, input: UpdateTaskBody): Promise<TaskResult> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      if (!isUuid(taskId)) throw Errors.taskNotFound();
      ensureNoConnectors(input.attached_connector_slugs);
      const notifications = input.notifications && parseNotifications(input.notifications, deps.notificationRules);
      const context = input.context === undefined ? undefined : contextJson(input.context);
      let webhookSecret: string | undefined;
      try {
        await db.transaction().execute(async (trx) => {
          // Lock order: user, then task — the same order as create and fork.
          if (input.state === 'active') await lockUser(trx, user.id);
          const task = await lockOwnTask(trx, user.id, taskId);
          const patch: TaskPatch =
            input.state !== undefined && input.state !== task.state
              ? await transition(trx, user.id, task.state, input.state)
              : {};
          if (input.name !== undefined && input.name !== task.name) patch.name = input.name;
          if (input.search_query !== undefined) patch.search_query = input.search_query;
          if (input.condition_description !== undefined) patch.condition_description = input.condition_description;
          if (context !== undefined) patch.context = context;
          if (notifications !== undefined) {
            patch.notifications = notifications;
            const before = webhookOf(task.notifications);
            const after = webhookOf(notifications);
            // Saving the webhook (again) turns it on if the gateway had disabled it.
            Object.assign(patch, {
              webhook_disabled_at: null,
              webhook_disabled_reason: null,
              webhook_failing_since: null,
            });
            if (!after) patch.webhook_secret = null;
            else if (!before || before.url !== after.url || !task.webhook_secret) {
              webhookSecret = newWebhookSecret();
              patch.webhook_secret = webhookSecret;
            }
          }
          await updateTask(trx, taskId, patch);
        });
      } catch (e) {
        throw duplicateName(e, input.name ?? '') ?? e;
      }
      const immediateExecutionError = input.run_immediately
        ? await executions.runImmediately(user.id, taskId)
        : undefined;
      return refreshed(taskId, {
        ...(webhookSecret && { webhookSecret }),
        ...(immediateExecutionError !== undefined && { immediateExecutionError }),
      });
    },

    /**
     * Anyone's task moved through the state machine (an admin's action: the caller checks who
     * may), with the owner's limits and schedule as if the owner had asked. Answers the state before.
     */
    async transitionAnyTask(taskId: string, to: TaskState): Promise<{ previous: TaskState; task: TaskWithLast }> {
      if (!isUuid(taskId)) throw Errors.taskNotFound();
      const owner = await findTask(db, taskId);
      if (!owner) throw Errors.taskNotFound();
      const previous = await db.transaction().execute(async (trx) => {
        // Lock order: user, then task — the same order as the owner's update.
        if (to === 'active') await lockUser(trx, owner.user_id);
        const task = await lockOwnTask(trx, owner.user_id, taskId);
        await updateTask(trx, taskId, await transition(trx, owner.user_id, task.state, to));
        return task.state;
      });
      return { previous, task: (await refreshed(taskId, {})).task };
    },

    async remove(viewer: Viewer, taskId: string): Promise<void> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      if (!isUuid(taskId)) throw Errors.taskNotFound();
      if (!(await deleteOwnTask(db, user.id, taskId))) throw Errors.taskNotFound();
    },
  };
}
