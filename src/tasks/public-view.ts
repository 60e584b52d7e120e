// The one rule for what a non-owner may see of a public task: no notification targets, no
// secrets, and of its last run only the outcome (not the owner's notification or error).
import type { TaskWithLast } from './tasks.repository.js';

export function publicView(task: TaskWithLast): TaskWithLast {
  return {
    ...task,
    notifications: [],
    webhook_secret: null,
    last_execution: task.last_execution ? { ...task.last_execution, notification: null, error_message: null } : null,
  };
}
