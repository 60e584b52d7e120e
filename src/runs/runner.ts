// The run machinery of one instance, built once from the database, the engine and the
// agent: the dispatcher starts due runs, the executor runs them against the agent, the
// deliverer sends webhooks, the sweeper rescues runs no job will finish, the cleanup
// forgets what has expired. Each lives in its own file; this wires them and keeps the
// counters /metrics and the tests read.
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import type { Emails } from '../notifications/emails.js';
import type { AgentClient } from './agent.js';
import { createCleanup } from './cleanup.js';
import { Dispatcher } from './dispatcher.js';
import type { JobEngine } from './engine.js';
import { createExecutor } from './executor.js';
import type { RunContext, RunnerOptions, RunStats } from './run-context.js';
import { createForgottenSweep, createSweeper } from './sweeper.js';
import type { WebhookAttempts } from './webhook-attempts.js';

export type Runner = ReturnType<typeof createRunner>;

export function createRunner(
  db: Kysely<DB>,
  engine: JobEngine,
  agent: AgentClient,
  logger: Logger,
  opts: RunnerOptions,
  /** Webhook attempts (shared with the services, which make test pings and queue replays). */
  webhooks: WebhookAttempts,
  emails: Emails,
  stats: RunStats = { outcomes: {}, agentCalls: 0, webhookAttempts: 0, forgottenScheduled: 0 },
) {
  const ctx: RunContext = {
    db,
    engine,
    logger,
    opts,
    stats,
    observers: {},
    emails,
    defaultNextRun: () => new Date(Date.now() + opts.defaultIntervalSeconds * 1000),
  };
  const dispatcher = new Dispatcher(db, engine, logger, opts);
  const execute = createExecutor(ctx, agent);
  const deliver = async (job: Parameters<WebhookAttempts['run']>[0]) => {
    await webhooks.run(job);
  };
  const sweep = createSweeper(ctx, opts.strandedAfterSeconds);
  const scheduleForgotten = createForgottenSweep(ctx);
  const cleanup = createCleanup(ctx);
  return {
    stats: ctx.stats,
    observers: ctx.observers,
    dispatcher,
    execute,
    deliver,
    sweep,
    cleanup,
    /** Starts this instance's workers and the dispatcher; returns at once. */
    async start(): Promise<void> {
      await engine.work({
        execution: execute,
        delivery: deliver,
        email: async (job) => {
          await emails.attempt(job);
        },
        sweep: async () => {
          await sweep();
        },
        cleanup: async () => {
          await cleanup();
        },
      });
      // Tasks nothing would start are scheduled now rather than at the first sweep (up to a
      // minute away); instances starting together share the work (rows are claimed).
      await scheduleForgotten().catch((err: Error) =>
        logger.warn({ err: { message: err.message } }, 'could not schedule forgotten tasks at start-up'),
      );
      dispatcher.start();
    },
    async stop(): Promise<void> {
      await dispatcher.stop();
    },
  };
}
