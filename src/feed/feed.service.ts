// The feeds: the viewer's own runs that notified (everything, they own it), and the same
// over every public task as anyone may see it (public-view.ts).
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { publicExecution } from '../tasks/public-view.js';
import { type FeedRow, listFeed } from './feed.repository.js';

export type FeedService = ReturnType<typeof createFeedService>;

/** A public feed item: the public view of the run, and no owner. */
export type PublicFeedRow = Omit<FeedRow, 'task_user_id'>;

export function createFeedService({ db }: { db: Kysely<DB> }) {
  return {
    async own(viewer: Viewer, limit: number): Promise<FeedRow[]> {
      requireScope(viewer, 'tasks:read');
      return listFeed(db, { userId: requireUser(viewer).id, limit });
    },

    async public(limit: number): Promise<PublicFeedRow[]> {
      const rows = await listFeed(db, { publicOnly: true, limit });
      return rows.map(({ task_user_id: _owner, task_name, task_search_query, task_is_public, ...exec }) => ({
        ...publicExecution(exec),
        task_name,
        task_search_query,
        task_is_public,
      }));
    },
  };
}
