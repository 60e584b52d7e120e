// SQL of the feeds, nothing else: the newest successful runs that notified, with their
// task, for one owner or over public tasks. Both read task_executions_feed in order and
// stop at `limit`.
import type { Db, ExecutionRow } from '../db/types.js';
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
  return ('userId' in opts ? q.where('t.user_id', '=', opts.userId) : q.where('t.is_public', '=', true))
    .orderBy('e.started_at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(opts.limit);
}

export async function listFeed(db: Db, opts: FeedScope): Promise<FeedRow[]> {
  return feedQuery(db, opts).execute();
}
