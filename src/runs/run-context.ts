// What every job handler shares: where to read and write, what to enqueue, what to count.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { DB } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import type { Emails } from '../notifications/emails.js';
import type { JobEngine } from './engine.js';

export type RunnerOptions = Pick<
  Config['engine'],
  | 'defaultIntervalSeconds'
  | 'maxAttempts'
  | 'heldRecheckSeconds'
  | 'dispatchBatchSize'
  | 'pollSeconds'
  | 'strandedAfterSeconds'
>;

export interface RunStats {
  outcomes: Record<string, number>;
  agentCalls: number;
  webhookAttempts: number;
  /** Active tasks the sweeper found with no schedule and no live run, and scheduled. */
  forgottenScheduled: number;
}

export interface RunObservers {
  agentLatency?: (seconds: number) => void;
}

export interface RunContext {
  db: Kysely<DB>;
  engine: JobEngine;
  logger: Logger;
  opts: RunnerOptions;
  stats: RunStats;
  observers: RunObservers;
  /** The emails a run's outcome sends (notifications/ decides which). */
  emails: Emails;
  defaultNextRun(): Date;
}
