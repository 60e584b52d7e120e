// The feeds: the viewer's own runs that notified (everything, they own it), and the same
// over every public task as anyone may see it (public-view.ts: the findings, not the errors),
// with the owner's id as Torale's PublicFeedExecution carries it.
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { publicExecution } from '../tasks/public-view.js';
import { type FeedRow, listFeed } from './feed.repository.js';

export type FeedService = ReturnType<typeof createFeedService>;

export function createFeedService({ db }: { db: Kysely<DB> }) {
  return {
    async own(viewer: Viewer, limit: number): Promise<FeedRow[]> {
      requireScope(viewer, 'tasks:read');
      return listFeed(db, { userId: requireUser(viewer).id, limit });
    },

    async public(limit: number): Promise<FeedRow[]> {
      const rows = await listFeed(db, { publicOnly: true, limit });
      return rows.map((r) => ({ ...r, ...publicExecution(r) }));
    },
  };
}
