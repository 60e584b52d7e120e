// SQL for the public list, nothing else. Pages are found through an index on the sort
// order (keyset: "after this key"), and only the rows of the page are joined with their
// last execution, so a deep page costs what the first one costs.
import { type Expression, type SqlBool, sql } from 'kysely';
import type { Db } from '../db/types.js';
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

export async function countPublicTasks(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from tasks where is_public`.execute(db);
  return rows[0]?.n ?? 0;
}
