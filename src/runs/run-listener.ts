// What a successful run tells the features that notify (webhooks, email): each registers a
// listener at composition time and records what it sends in the run's own transaction, so
// the outcome and its notifications commit together. A run no listener wants commits alone
// (one statement).
import type { Db, ExecutionRow, Notification, TaskRow } from '../db/types.js';

/** What is known of a successful run before its outcome is written. */
export interface RunFacts {
  /** The task's notification targets. */
  notifications: readonly Notification[];
  /** The agent wrote a notification: the task's condition is met. */
  conditionMet: boolean;
  /** No earlier successful run: this is the task's first. */
  firstRun: boolean;
}

export interface RunSucceeded extends Omit<RunFacts, 'notifications'> {
  /** The task as the run left it. */
  task: TaskRow;
  /** The finished execution (its notification, sources and stored result). */
  execution: ExecutionRow;
}

export interface RunListener {
  /** Whether such a run may give it anything to record. */
  wants(run: RunFacts): boolean;
  record(trx: Db, run: RunSucceeded): Promise<void>;
}
