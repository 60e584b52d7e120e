// The public list: offset pages (the documented REST shape) and keyset pages (Relay
// connections). Deep offsets start from bookmarks — a sort key about every 500th public
// task — so they cost what the first page costs; the total is exact and at most 10 s old.
// Both come from the public index (public-index.ts), refreshed from what changed since it
// was last read, never by counting or scanning every public task again. Everything shown
// is the public view.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import { Errors } from '../errors.js';
import { decodeCursor, encodeCursor, part } from '../lib/cursor.js';
import { isUuid } from '../lib/validation.js';
import { finishedRuns } from './executions.repository.js';
import { createPublicIndex, startOf } from './public-index.js';
import { type PublicKey, publicPage } from './public-tasks.repository.js';
import { publicView } from './public-view.js';
import { taskRss } from './rss.js';
import type { PublicSort } from './task-states.js';
import { findTask, type TaskWithLast } from './tasks.repository.js';

export const BOOKMARK_STRIDE = 500;
const REFRESH_MS = 10_000;
/** Changes are kept this long: an instance that has not looked for half of it reads the index in full. */
const CHANGES_KEPT_SECONDS = 600;
/** Items in a task's RSS feed (Torale's: its last 50 successful runs). */
const RSS_ITEMS = 50;

export interface Edge {
  cursor: string;
  node: TaskWithLast;
}

export type PublicTasksService = ReturnType<typeof createPublicTasksService>;

const cursorOf = (sort: PublicSort, key: PublicKey) => encodeCursor([sort, ...key]);

function keyFromCursor(sort: PublicSort, cursor: string): PublicKey {
  const parts = decodeCursor(
    cursor,
    (p) =>
      p[0] === sort &&
      (sort === 'recent'
        ? p.length === 3 && part.time(p[1]) && part.uuid(p[2])
        : p.length === 5 && part.count(p[1]) && part.count(p[2]) && part.time(p[3]) && part.uuid(p[4])),
  );
  return parts.slice(1);
}

export function createPublicTasksService(
  /** dashboardUrl: where a task's page lives (`…/tasks/{id}`), the RSS feed's links. */
  { db, dashboardUrl = 'https://torale.ai' }: { db: Kysely<DB>; dashboardUrl?: string },
  opts = { stride: BOOKMARK_STRIDE, refreshMs: REFRESH_MS, retentionSeconds: CHANGES_KEPT_SECONDS },
) {
  const index = createPublicIndex(db, opts);

  /** Rows `offset … offset+limit` in sort order, without reading the rows before them. */
  async function pageAt(sort: PublicSort, offset: number, limit: number) {
    // The top of the list needs no index (and no wait for its first read).
    if (offset < opts.stride) return publicPage(db, { sort, after: null, skip: offset, limit });
    const { after, skip } = startOf((await index.current()).marks[sort], offset);
    return publicPage(db, { sort, after, skip, limit });
  }

  return {
    /** The index behind deep pages and the total (its counters; a refresh on demand). */
    index,

    /** The number of public tasks, at most 10 s old. */
    async total(): Promise<number> {
      return (await index.current()).total;
    },

    async list(q: { offset: number; limit: number; sort_by: PublicSort }): Promise<TaskWithLast[]> {
      return (await pageAt(q.sort_by, q.offset, q.limit)).map((r) => publicView(r.task));
    },

    /**
     * RSS 2.0 of a public task's findings (Torale's `GET /tasks/{id}/rss`): its last successful
     * runs, newest first. A private or missing task is 404 for everyone, its owner too.
     */
    async rss(taskId: string, feedUrl: string): Promise<string> {
      const task = isUuid(taskId) ? await findTask(db, taskId) : undefined;
      if (!task?.is_public) throw Errors.taskNotFound();
      return taskRss(task, await finishedRuns(db, taskId, RSS_ITEMS), dashboardUrl, feedUrl);
    },

    /** A Relay page: `first` tasks after the cursor (stable while tasks are added). */
    async connection(q: { first: number; after?: string; sort: PublicSort }) {
      const afterKey = q.after === undefined ? null : keyFromCursor(q.sort, q.after);
      const rows = await publicPage(db, { sort: q.sort, after: afterKey, skip: 0, limit: q.first + 1 });
      const page = rows.slice(0, q.first);
      const edges: Edge[] = page.map((r) => ({ cursor: cursorOf(q.sort, r.key), node: publicView(r.task) }));
      return { edges, pageInfo: { hasNextPage: rows.length > q.first, endCursor: edges.at(-1)?.cursor ?? null } };
    },
  };
}
