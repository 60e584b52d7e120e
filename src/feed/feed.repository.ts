// SQL of the feeds, nothing else: the newest successful runs that notified, with their
// task, for one owner (task_executions_owner_notified: the owner's id is on the execution) or
// over public tasks (task_executions_feed). Both read their index in order and stop at `limit`.
import type { Kysely } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB, Db, ExecutionRow } from '../db/types.js';
import { EXECUTION_COLUMNS } from '../tasks/executions.repository.js';

export type FeedRow = ExecutionRow & {
  task_name: string;
  task_search_query: string;
  task_is_public: boolean;
  task_user_id: string;
};

export type FeedScope = { limit: number } & ({ userId: string } | { publicOnly: true });

/** The feed's statement (exported so a test can EXPLAIN it). */
export function feedQuery(db: Db, opts: FeedScope) {
  const q = db
    .selectFrom('task_executions as e')
    .innerJoin('tasks as t', 't.id', 'e.task_id')
    .select(EXECUTION_COLUMNS.map((c) => `e.${c}` as const))
    .select([
      't.name as task_name',
      't.search_query as task_search_query',
      't.is_public as task_is_public',
      't.user_id as task_user_id',
    ])
    .where('e.status', '=', 'success')
    .where('e.notification', 'is not', null);
  return ('userId' in opts ? q.where('e.user_id', '=', opts.userId) : q.where('t.is_public', '=', true))
    .orderBy('e.started_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(opts.limit);
}

const ownFeed = prepared((db: Kysely<DB>, userId: string, limit: number) => feedQuery(db, { userId, limit }));

export async function listFeed(db: Kysely<DB>, opts: FeedScope): Promise<FeedRow[]> {
  return 'userId' in opts ? ownFeed(db, opts.userId, opts.limit) : feedQuery(db, opts).execute();
}
