// What every job handler shares: where to read and write, what to enqueue, what to count.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import type { Emails } from '../notifications/emails.js';
import type { JobEngine } from './engine.js';

export interface RunnerOptions {
  defaultIntervalSeconds: number;
  maxAttempts: number;
  /** How often runs held for a disabled owner are looked at again. */
  heldRecheckSeconds: number;
  dispatchBatchSize: number;
  pollMs: number;
  /** A live execution that no job has touched for this long is swept (re-queued or failed). */
  strandedAfterSeconds: number;
}

export interface RunStats {
  outcomes: Record<string, number>;
  agentCalls: number;
  webhookAttempts: number;
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
