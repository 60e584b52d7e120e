// What a viewer may subscribe to: executions and tasks of their own tasks (one task when
// named — another user's task is not found, as everywhere).
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, ExecutionRow } from '../db/types.js';
import { ownTask } from '../tasks/task-access.js';
import type { TaskWithLast } from '../tasks/tasks.repository.js';
import type { LiveHub } from './hub.js';

export type LiveService = ReturnType<typeof createLiveService>;

export function createLiveService({ db, hub }: { db: Kysely<DB>; hub: LiveHub }) {
  async function ownTaskOrAll(userId: string, taskId: string | null | undefined): Promise<string | null> {
    if (taskId === null || taskId === undefined) return null;
    return (await ownTask(db, userId, taskId)).id;
  }

  return {
    async executions(viewer: Viewer, taskId?: string | null): Promise<AsyncIterableIterator<ExecutionRow>> {
      requireScope(viewer, 'tasks:read');
      const user = requireUser(viewer);
      return hub.executions(user.id, await ownTaskOrAll(user.id, taskId));
    },

    async tasks(viewer: Viewer, taskId?: string | null): Promise<AsyncIterableIterator<TaskWithLast>> {
      requireScope(viewer, 'tasks:read');
      const user = requireUser(viewer);
      return hub.tasks(user.id, await ownTaskOrAll(user.id, taskId));
    },
  };
}
