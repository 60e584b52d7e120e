// The REST JSON of feed items: the execution as everywhere else, then its task.
import { toExecutionJson } from '../tasks/tasks.json.js';
import type { FeedRow } from './feed.repository.js';
import type { PublicFeedRow } from './feed.service.js';

export const toPublicFeedJson = (r: PublicFeedRow) => ({
  ...toExecutionJson(r),
  task_name: r.task_name,
  task_search_query: r.task_search_query,
  task_is_public: r.task_is_public,
});

export const toFeedJson = (r: FeedRow) => ({ ...toPublicFeedJson(r), task_user_id: r.task_user_id });
