// The one rule for what a non-owner may see of a public task. Its findings are public — that
// is what Torale's explore page, public feed and per-task RSS exist for: the last run's
// notification, result and sources. Where the owner is notified is never public: the
// notification targets (addresses, webhook URLs, header values) and secrets; nor are the
// owner's error details.
import type { ExecutionRow } from '../db/types.js';
import type { TaskWithLast } from './tasks.repository.js';

export function publicExecution(e: ExecutionRow): ExecutionRow {
  return { ...e, error_message: null };
}

export function publicView(task: TaskWithLast): TaskWithLast {
  return {
    ...task,
    notifications: [],
    webhook_secret: null,
    webhook_secret_previous: null,
    last_execution: task.last_execution ? publicExecution(task.last_execution) : null,
  };
}
