// What every job handler shares: where to read and write, what to enqueue, what to count.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import type { JobEngine } from './engine.js';

export interface RunnerOptions {
  defaultIntervalSeconds: number;
  maxAttempts: number;
  allowInsecureTargets: boolean;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  /** How often a delivery held for a disabled owner is looked at again. */
  heldDeliveryRecheckMs: number;
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
  defaultNextRun(): Date;
}

/** Thrown by a handler to make the engine retry its job (after the queue's backoff). */
export class RetryLater extends Error {}
