// SQL for the public list, nothing else. Pages are found through an index on the sort
// order (keyset: "after this key"), and only the rows of the page are joined with their
// last execution, so a deep page costs what the first one costs.
import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import type { DB, Db } from '../db/types.js';
import type { PublicSort } from './task-states.js';
import { type JoinedRow, splitJoined, type TaskWithLast, tasksWithLast } from './tasks.repository.js';

/** The sort key of one row, in sort order; the last element is always the task id. */
export type PublicKey = (string | number)[];

const COLUMNS: Record<PublicSort, readonly ('subscriber_count' | 'view_count' | 'created_at' | 'id')[]> = {
  recent: ['created_at', 'id'],
  popular: ['subscriber_count', 'view_count', 'created_at', 'id'],
};

/** created_at to the microsecond (a JS Date keeps milliseconds: rows of one millisecond would be skipped). */
const EXACT_TIME = (ref: string) =>
  sql<string>`to_char(${sql.ref(ref)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const keyOf = (sort: PublicSort, row: Record<string, unknown>): PublicKey =>
  COLUMNS[sort].map((c) => (c === 'created_at' ? (row.created_at_key as string) : (row[c] as string | number)));

/** `(a, b, …) < (x, y, …)`: every sort column is descending, so "after" is "smaller". */
function after(sort: PublicSort, key: PublicKey, prefix = ''): Expression<SqlBool> {
  const cols = sql.join(COLUMNS[sort].map((c) => sql.ref(`${prefix}${c}`)));
  const vals = sql.join(
    COLUMNS[sort].map((c, i) =>
      c === 'created_at' ? sql`${key[i]}::timestamptz` : c === 'id' ? sql`${key[i]}::uuid` : sql`${key[i]}::int`,
    ),
  );
  return sql<SqlBool>`(${cols}) < (${vals})`;
}

function ordered<Q extends { orderBy: (ref: never, dir: 'desc') => Q }>(q: Q, sort: PublicSort, prefix: string): Q {
  let out = q;
  for (const c of COLUMNS[sort]) out = out.orderBy(`${prefix}${c}` as never, 'desc');
  return out;
}

/**
 * Up to `limit` public tasks after `key` (from the top when null), skipping `skip` rows
 * first (kept small by the caller), each with its last execution and its own key.
 */
export async function publicPage(
  db: Db,
  opts: { sort: PublicSort; after: PublicKey | null; skip: number; limit: number },
): Promise<{ task: TaskWithLast; key: PublicKey }[]> {
  let ids = db.selectFrom('tasks').select('id').where('is_public', '=', true);
  if (opts.after) ids = ids.where(after(opts.sort, opts.after));
  ids = ordered(ids, opts.sort, '').offset(opts.skip).limit(opts.limit);
  const rows = (await ordered(
    tasksWithLast(db).select(EXACT_TIME('t.created_at').as('created_at_key')).where('t.id', 'in', ids),
    opts.sort,
    't.',
  ).execute()) as (JoinedRow & { created_at_key: string })[];
  return rows.map(({ created_at_key, ...r }) => ({
    task: splitJoined(r),
    key: keyOf(opts.sort, { ...r, created_at_key }),
  }));
}

/**
 * The key of every `stride`-th public task in sort order (positions stride-1, 2·stride-1, …):
 * where deep offsets start from. One scan of the sort index.
 */
export async function publicBookmarks(db: Db, sort: PublicSort, stride: number): Promise<PublicKey[]> {
  const cols = sql.join(COLUMNS[sort].map((c) => sql.ref(c)));
  const order = sql.join(COLUMNS[sort].map((c) => sql`${sql.ref(c)} desc`));
  const { rows } = await sql<Record<string, unknown>>`
    select ${cols}, ${EXACT_TIME('created_at')} as created_at_key from (
      select ${cols}, row_number() over (order by ${order}) as rn from tasks where is_public
    ) x where rn % ${stride} = 0 order by rn`.execute(db);
  return rows.map((r) => keyOf(sort, r));
}

/** The whole public index read in one snapshot: total, bookmarks of both sorts, and the snapshot. */
export async function readPublicIndex(
  db: Kysely<DB>,
  stride: number,
): Promise<{ snapshot: string; total: number; bookmarks: Record<PublicSort, PublicKey[]> }> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const { rows } = await sql<{ snapshot: string; total: number }>`
        select pg_current_snapshot()::text as snapshot, (select count(*)::int from tasks where is_public) as total`.execute(
        trx,
      );
      return {
        snapshot: rows[0]!.snapshot,
        total: rows[0]!.total,
        bookmarks: {
          recent: await publicBookmarks(trx, 'recent', stride),
          popular: await publicBookmarks(trx, 'popular', stride),
        },
      };
    });
}

/** A task's place in the public orders before or after a change: subscribers, views, created_at (exact). */
export type PublicPlace = [number, number, string];
export interface PublicChange {
  taskId: string;
  /** Where it was (null: it was not public) and where it is now (null: it is not public any more). */
  was: PublicPlace | null;
  now: PublicPlace | null;
}

/**
 * The changes that became visible since `snapshot` (every transaction that committed after it
 * was taken, in whatever order), and the snapshot they were read in. Reads the change log from
 * the oldest transaction that was still running then: what changed, not what is public.
 */
export async function publicChangesSince(
  db: Db,
  snapshot: string,
): Promise<{ snapshot: string; changes: PublicChange[] }> {
  const { rows } = await sql<{
    snapshot: string;
    task_id: string | null;
    old_subscribers: number | null;
    old_views: number | null;
    old_created: string | null;
    new_subscribers: number | null;
    new_views: number | null;
    new_created: string | null;
  }>`
    with s as (select pg_current_snapshot() as now_snap, ${snapshot}::pg_snapshot as then_snap)
    select s.now_snap::text as snapshot, c.task_id, c.old_subscribers, c.old_views, ${EXACT_TIME('c.old_created')} as old_created,
           c.new_subscribers, c.new_views, ${EXACT_TIME('c.new_created')} as new_created
    from s left join public_task_changes c
      on c.xid >= pg_snapshot_xmin(s.then_snap) and not pg_visible_in_snapshot(c.xid, s.then_snap)`.execute(db);
  const changes = rows
    .filter((r) => r.task_id !== null)
    .map(
      (r): PublicChange => ({
        taskId: r.task_id!,
        was: r.old_created === null ? null : [r.old_subscribers!, r.old_views!, r.old_created],
        now: r.new_created === null ? null : [r.new_subscribers!, r.new_views!, r.new_created],
      }),
    );
  return { snapshot: rows[0]!.snapshot, changes };
}

/** The key of the public task `offset` rows after `key` (from the top when null), in sort order. */
export async function publicKeyAt(
  db: Db,
  sort: PublicSort,
  key: PublicKey | null,
  offset: number,
): Promise<PublicKey | undefined> {
  let q = db
    .selectFrom('tasks')
    .select([...COLUMNS[sort], EXACT_TIME('created_at').as('created_at_key')])
    .where('is_public', '=', true);
  if (key) q = q.where(after(sort, key));
  const row = await ordered(q, sort, '').offset(offset).limit(1).executeTakeFirst();
  return row && keyOf(sort, row);
}

/** Forgets changes older than `seconds` (every reader has read them, or starts over). */
export async function prunePublicChanges(db: Db, seconds: number): Promise<void> {
  await sql`delete from public_task_changes where at < now() - make_interval(secs => ${seconds})`.execute(db);
}
