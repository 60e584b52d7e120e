// The REST JSON of feed items (Torale's FeedExecution, also for the public feed): the
// execution as everywhere else, then its task.
import { toExecutionJson } from '../tasks/tasks.json.js';
import type { FeedRow } from './feed.repository.js';

export const toFeedJson = (r: FeedRow) => ({
  ...toExecutionJson(r),
  task_name: r.task_name,
  task_search_query: r.task_search_query,
  task_is_public: r.task_is_public,
  task_user_id: r.task_user_id,
});
