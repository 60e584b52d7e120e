// What a successful run tells the features that notify (webhooks, email): each registers a
// listener at composition time and records what it sends in the run's own transaction, so
// the outcome and its notifications commit together. A run no listener wants commits alone.
import type { Db, ExecutionRow, Notification, TaskRow } from '../db/types.js';

export interface RunSucceeded {
  /** The task as the run left it. */
  task: TaskRow;
  /** The finished execution (its notification, sources and stored result). */
  execution: ExecutionRow;
  /** The agent wrote a notification: the task's condition is met. */
  conditionMet: boolean;
}

export interface RunListener {
  /** Whether a run of a task with these notification targets may give it anything to record. */
  wants(notifications: readonly Notification[], conditionMet: boolean): boolean;
  record(trx: Db, run: RunSucceeded): Promise<void>;
}
