// Sharing: a task as a given viewer may see it, visibility, forks, and the public list.
// Non-owners always get the public view (public-view.ts), never the owner's targets.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { Errors } from '../errors.js';
import { isUuid } from '../lib/validation.js';
import { newWebhookSecret } from '../webhooks/webhook-signing.js';
import { webhookOf } from '../webhooks/webhook-targets.js';
import { publicView } from './public-view.js';
import { readableTask } from './task-access.js';
import type { TaskExtras } from './tasks.json.js';
import {
  addSubscriber,
  deleteOldViews,
  findTaskWithLast,
  insertTask,
  lockUser,
  recordView,
  setVisibility,
  type TaskWithLast,
} from './tasks.repository.js';
import { copyName, duplicateName, ensureTaskSlot, freeName } from './tasks.rules.js';

export type SharingService = ReturnType<typeof createSharingService>;

/**
 * Who counts as one viewer: a signed-in user, else the client address (kept only as a
 * digest). The address is the caller's as the HTTP layer saw it (after TRUST_PROXY).
 */
function viewerKey(viewer: Viewer, address: string): string {
  if (viewer.kind !== 'anonymous') return viewer.user ? `u:${viewer.user.id}` : `c:${viewer.clerkUserId}`;
  return `a:${createHash('sha256').update(address).digest('base64url').slice(0, 22)}`;
}

/** Days of view marks kept: today and yesterday decide whether a view counts again. */
const VIEW_DAYS_KEPT = 2;

export interface SharingServiceDeps {
  db: Kysely<DB>;
  maxTasksPerUser: number;
}

export function createSharingService({ db, maxTasksPerUser }: SharingServiceDeps) {
  /** A public task seen by someone other than its owner: counted once per viewer a day, shown scrubbed. */
  async function viewPublic(task: TaskWithLast | undefined, viewer: Viewer, address: string): Promise<TaskWithLast> {
    if (!task?.is_public) throw Errors.taskNotFound();
    const view = await recordView(db, task.id, viewerKey(viewer, address));
    if (!view.public) throw Errors.taskNotFound();
    return publicView({ ...task, view_count: task.view_count + (view.counted ? 1 : 0) });
  }

  return {
    /** Hourly housekeeping: forgets the view marks no count depends on any more. */
    cleanup: (): Promise<number> => deleteOldViews(db, VIEW_DAYS_KEPT),

    /** The owner sees everything; anyone (even anonymous) sees a public task, scrubbed. */
    async get(viewer: Viewer, taskId: string, address = ''): Promise<{ task: TaskWithLast; owner: boolean }> {
      requireScope(viewer, 'tasks:read');
      const task = isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined;
      if (!task) throw Errors.taskNotFound();
      if (viewer.kind !== 'anonymous' && viewer.user?.id === task.user_id) return { task, owner: true };
      return { task: await viewPublic(task, viewer, address), owner: false };
    },

    /**
     * A public task for anyone, no credentials needed. Its owner gets it in full, even while it is
     * private, as from Torale's (whose public route shares its owner-or-public task read); a key
     * without `tasks:read` gets what anyone gets.
     */
    async getPublic(viewer: Viewer, taskId: string, address = ''): Promise<{ task: TaskWithLast; owner: boolean }> {
      const task = isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined;
      const canRead = viewer.kind !== 'api-key' || viewer.scopes.includes('tasks:read');
      if (task && canRead && viewer.kind !== 'anonymous' && viewer.user?.id === task.user_id) {
        return { task, owner: true };
      }
      return { task: await viewPublic(task, viewer, address), owner: false };
    },

    async setVisibility(viewer: Viewer, taskId: string, isPublic: boolean): Promise<TaskWithLast> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      if (!isUuid(taskId) || !(await setVisibility(db, user.id, taskId, isPublic))) throw Errors.taskNotFound();
      const task = await findTaskWithLast(db, taskId);
      if (!task || task.user_id !== user.id) throw Errors.taskNotFound();
      return task;
    },

    /** A paused private copy. Another user's fork leaves notifications behind; its user counts once as a subscriber. */
    async fork(viewer: Viewer, taskId: string, name?: string): Promise<{ task: TaskWithLast } & TaskExtras> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      const { task: source, own } = await readableTask(db, user.id, taskId);
      const notifications = own ? source.notifications : [];
      const webhookSecret = webhookOf(notifications) ? newWebhookSecret() : undefined;
      let forkName = name ?? '';
      let created: { id: string };
      try {
        created = await db.transaction().execute(async (trx) => {
          await lockUser(trx, user.id);
          await ensureTaskSlot(trx, user.id, maxTasksPerUser);
          if (name === undefined) {
            const { base, variant } = copyName(source.name);
            forkName = await freeName(trx, user.id, base, variant);
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
          if (!own) await addSubscriber(trx, source.id, user.id);
          return task;
        });
      } catch (e) {
        throw duplicateName(e, forkName) ?? e;
      }
      const task = await findTaskWithLast(db, created.id);
      if (!task) throw Errors.taskNotFound();
      return { task, ...(webhookSecret && { webhookSecret }) };
    },
  };
}
