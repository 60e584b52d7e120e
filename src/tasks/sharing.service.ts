// Sharing: a task as a given viewer may see it, visibility, forks, and the public list.
// Non-owners always get the public view (public-view.ts), never the owner's targets.
import type { Kysely } from 'kysely';
import { requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { Errors } from '../errors.js';
import { isUuid } from '../lib/validation.js';
import { newWebhookSecret, webhookOf } from './notifications.js';
import { publicView } from './public-view.js';
import type { TaskExtras } from './tasks.json.js';
import {
  bumpSubscribers,
  countView,
  findTask,
  findTaskWithLast,
  insertTask,
  listPublicTasks,
  lockUser,
  setVisibility,
  type TaskWithLast,
} from './tasks.repository.js';
import { copyName, duplicateName, freeName } from './tasks.rules.js';
import type { PublicTasksQuery } from './tasks.schemas.js';

export type SharingService = ReturnType<typeof createSharingService>;

export function createSharingService({ db }: { db: Kysely<DB> }) {
  /** A public task seen by someone other than its owner: counted, then shown scrubbed. */
  async function viewPublic(task: TaskWithLast | undefined): Promise<TaskWithLast> {
    if (!task?.is_public || !(await countView(db, task.id))) throw Errors.taskNotFound();
    return publicView({ ...task, view_count: task.view_count + 1 });
  }

  return {
    /** The owner sees everything; anyone (even anonymous) sees a public task, scrubbed. */
    async get(viewer: Viewer, taskId: string): Promise<{ task: TaskWithLast; owner: boolean }> {
      const task = isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined;
      if (!task) throw Errors.taskNotFound();
      if (viewer.kind !== 'anonymous' && viewer.user?.id === task.user_id) return { task, owner: true };
      return { task: await viewPublic(task), owner: false };
    },

    /** A public task for anyone, no credentials needed. */
    async getPublic(taskId: string): Promise<TaskWithLast> {
      return viewPublic(isUuid(taskId) ? await findTaskWithLast(db, taskId) : undefined);
    },

    async setVisibility(viewer: Viewer, taskId: string, isPublic: boolean): Promise<TaskWithLast> {
      const user = requireUser(viewer);
      if (!isUuid(taskId) || !(await setVisibility(db, user.id, taskId, isPublic))) throw Errors.taskNotFound();
      const task = await findTaskWithLast(db, taskId);
      if (!task || task.user_id !== user.id) throw Errors.taskNotFound();
      return task;
    },

    /** A paused private copy. Another user's fork leaves notifications behind and counts as a subscriber. */
    async fork(viewer: Viewer, taskId: string, name?: string): Promise<{ task: TaskWithLast } & TaskExtras> {
      const user = requireUser(viewer);
      const source = isUuid(taskId) ? await findTask(db, taskId) : undefined;
      const own = source?.user_id === user.id;
      if (!source || (!own && !source.is_public)) throw Errors.taskNotFound();
      const notifications = own ? source.notifications : [];
      const webhookSecret = webhookOf(notifications) ? newWebhookSecret() : undefined;
      let forkName = name ?? '';
      let created: { id: string };
      try {
        created = await db.transaction().execute(async (trx) => {
          await lockUser(trx, user.id);
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
          if (!own) await bumpSubscribers(trx, source.id);
          return task;
        });
      } catch (e) {
        throw duplicateName(e, forkName) ?? e;
      }
      const task = await findTaskWithLast(db, created.id);
      if (!task) throw Errors.taskNotFound();
      return { task, ...(webhookSecret && { webhookSecret }) };
    },

    async listPublic(q: PublicTasksQuery) {
      const page = await listPublicTasks(db, { offset: q.offset, limit: q.limit, sort: q.sort_by });
      return { tasks: page.tasks.map(publicView), total: page.total, offset: q.offset, limit: q.limit };
    },
  };
}
