// The job handlers, built once from the database, the engine and the agent: due schedules
// become executions, executions run against the agent, webhooks are delivered, missing
// schedules are re-created. Each lives in its own file; this only wires them and keeps
// the counters /metrics and the tests read.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import type { AgentClient } from './agent.js';
import { createCleanup } from './cleanup.js';
import { createDeliverer } from './deliverer.js';
import type { JobEngine } from './engine.js';
import { createExecutor } from './executor.js';
import type { RunContext, RunnerOptions } from './run-context.js';
import { createScheduler } from './scheduler.js';

export type Runner = ReturnType<typeof createRunner>;

export function createRunner(
  db: Kysely<DB>,
  engine: JobEngine,
  agent: AgentClient,
  logger: Logger,
  opts: RunnerOptions,
) {
  const ctx: RunContext = {
    db,
    engine,
    logger,
    opts,
    stats: { outcomes: {}, agentCalls: 0, webhookAttempts: 0 },
    observers: {},
    defaultNextRun: () => new Date(Date.now() + opts.defaultIntervalSeconds * 1000),
  };
  const scheduler = createScheduler(ctx);
  return {
    stats: ctx.stats,
    observers: ctx.observers,
    schedule: scheduler.schedule,
    reconcile: scheduler.reconcile,
    execute: createExecutor(ctx, agent),
    deliver: createDeliverer(ctx),
    cleanup: createCleanup(ctx),
  };
}
