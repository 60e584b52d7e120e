// What every run handler shares: where to read and write, where executions are queued,
// what to count.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { DB } from '../db/types.js';
import type { JobQueue } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import type { RunListener } from './run-listener.js';

export type RunnerOptions = Pick<
  Config['engine'],
  | 'defaultIntervalSeconds'
  | 'maxAttempts'
  | 'retryDelaySeconds'
  | 'executionExpireSeconds'
  | 'strandedAfterSeconds'
  | 'runConcurrency'
  | 'heldRecheckSeconds'
  | 'dispatchBatchSize'
  | 'pollSeconds'
>;

export interface RunStats {
  outcomes: Record<string, number>;
  agentCalls: number;
  /** Active tasks the sweeper found with no schedule and no live run, and scheduled. */
  forgottenScheduled: number;
}

export interface RunObservers {
  agentLatency?: (seconds: number) => void;
}

/** What a run's job carries (jobs of earlier releases carry the same). */
export interface ExecutionJob {
  executionId: string;
  taskId: string;
}

export interface RunContext {
  db: Kysely<DB>;
  queue: JobQueue<ExecutionJob>;
  logger: Logger;
  opts: RunnerOptions;
  stats: RunStats;
  observers: RunObservers;
  /** The features that record what a successful run sends, in its transaction. */
  listeners: readonly RunListener[];
  defaultNextRun(): Date;
}

/** The job of each execution: its id is the execution's, so it is queued once. */
export const jobsOf = (executions: readonly { id: string; task_id: string }[]) =>
  executions.map((e) => ({ id: e.id, data: { executionId: e.id, taskId: e.task_id } }));
