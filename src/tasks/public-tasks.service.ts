// The public list: offset pages (the documented REST shape) and keyset pages (Relay
// connections). Deep offsets start from bookmarks — the sort key of every 500th public
// task, refreshed at most every 30 s — so they cost what the first page costs; the
// total is an exact count at most 10 s old. Everything shown is the public view.
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { DB } from '../db/types.js';
import { decodeCursor, encodeCursor, part } from '../lib/cursor.js';
import { countPublicTasks, type PublicKey, publicBookmarks, publicPage } from './public-tasks.repository.js';
import { publicView } from './public-view.js';
import type { PublicSort } from './task-states.js';
import type { TaskWithLast } from './tasks.repository.js';

export const BOOKMARK_STRIDE = 500;
const BOOKMARKS_TTL_MS = 30_000;
const TOTAL_TTL_MS = 10_000;

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

export function createPublicTasksService({ db }: { db: Kysely<DB> }) {
  // One refresh at a time per key; a stale value answers while it refreshes.
  const bookmarks = new LRUCache<PublicSort, PublicKey[]>({
    max: 2,
    ttl: BOOKMARKS_TTL_MS,
    allowStale: true,
    fetchMethod: (sort) => publicBookmarks(db, sort, BOOKMARK_STRIDE),
  });
  const totals = new LRUCache<'all', number>({
    max: 1,
    ttl: TOTAL_TTL_MS,
    allowStale: true,
    fetchMethod: () => countPublicTasks(db),
  });

  /** Rows `offset … offset+limit` in sort order, without reading the rows before them. */
  async function pageAt(sort: PublicSort, offset: number, limit: number) {
    const mark = Math.floor(offset / BOOKMARK_STRIDE);
    if (mark === 0) return publicPage(db, { sort, after: null, skip: offset, limit });
    const marks = (await bookmarks.fetch(sort)) ?? [];
    const start = marks[Math.min(mark, marks.length) - 1];
    if (!start) return publicPage(db, { sort, after: null, skip: offset, limit });
    const skip = offset - Math.min(mark, marks.length) * BOOKMARK_STRIDE;
    return publicPage(db, { sort, after: start, skip, limit });
  }

  return {
    /** The number of public tasks, at most 10 s old. */
    async total(): Promise<number> {
      return (await totals.fetch('all')) ?? 0;
    },

    async list(q: { offset: number; limit: number; sort_by: PublicSort }): Promise<TaskWithLast[]> {
      return (await pageAt(q.sort_by, q.offset, q.limit)).map((r) => publicView(r.task));
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
