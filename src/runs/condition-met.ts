// What a run that met its condition tells the features that notify (webhooks, email): they
// register a listener at composition time and record their deliveries in the run's own
// transaction, so the outcome and its notifications commit together.
import type { Db, ExecutionRow, TaskRow } from '../db/types.js';

export interface ConditionMet {
  /** The task as the run left it. */
  task: TaskRow;
  /** The finished execution (its notification, sources and result). */
  execution: ExecutionRow;
}

export type ConditionMetListener = (trx: Db, met: ConditionMet) => Promise<void>;
