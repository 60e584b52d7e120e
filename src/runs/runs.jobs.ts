// The background side of task runs, registered with the job engine at composition time:
// the queue of executions (worked by the executor), the sweep that rescues runs no job
// will finish and tasks nothing would start (every minute), and the dispatcher that starts
// due runs (a loop beside the workers). Each piece lives in its own file; this wires them
// and keeps the counters /metrics and the tests read.
import type { Kysely } from 'kysely';
import type { DB, Db } from '../db/types.js';
import type { JobEngine } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import type { AgentClient } from './agent.js';
import { Dispatcher } from './dispatcher.js';
import { createExecutor } from './executor.js';
import { type ExecutionJob, jobsOf, type RunContext, type RunnerOptions, type RunStats } from './run-context.js';
import type { RunListener } from './run-listener.js';
import { RUN_QUEUE } from './runs.repository.js';
import { createForgottenSweep, createSweeper } from './sweeper.js';

export interface RunsDeps {
  db: Kysely<DB>;
  engine: JobEngine;
  agent: AgentClient;
  logger: Logger;
  opts: RunnerOptions;
  /** The features that record what a successful run sends (webhooks, email). */
  listeners: readonly RunListener[];
}

export type Runs = ReturnType<typeof registerRuns>;

/** Where the executions service queues runs. */
export type RunQueue = Pick<Runs, 'enqueue'>;

export function registerRuns({ db, engine, agent, logger, opts, listeners }: RunsDeps) {
  const stats: RunStats = { outcomes: {}, agentCalls: 0, forgottenScheduled: 0 };
  const queue = engine.queue<ExecutionJob>({
    name: RUN_QUEUE,
    label: 'execution',
    concurrency: opts.runConcurrency,
    retryLimit: Math.max(0, opts.maxAttempts - 1),
    retryDelaySeconds: opts.retryDelaySeconds,
    // A run's job not finished by the agent's deadline (plus slack) is taken as dead and retried.
    expireInSeconds: opts.executionExpireSeconds,
    handler: ({ executionId }) => execute(executionId),
  });
  const ctx: RunContext = {
    db,
    queue,
    logger,
    opts,
    stats,
    observers: {},
    listeners,
    defaultNextRun: () => new Date(Date.now() + opts.defaultIntervalSeconds * 1000),
  };
  const execute = createExecutor(ctx, agent);
  const sweep = createSweeper(ctx, opts.strandedAfterSeconds);
  const scheduleForgotten = createForgottenSweep(ctx);
  engine.every({
    name: 'run-sweep',
    cron: '* * * * *',
    expireInSeconds: 300,
    run: async () => {
      await sweep();
    },
  });
  const dispatcher = new Dispatcher(db, queue, logger, opts);
  engine.alongside({
    async start() {
      // Tasks nothing would start are scheduled now rather than at the first sweep (up to a
      // minute away); instances starting together share the work (rows are claimed).
      await scheduleForgotten().catch((err: Error) =>
        logger.warn({ err: { message: err.message } }, 'could not schedule forgotten tasks at start-up'),
      );
      dispatcher.start();
    },
    stop: () => dispatcher.stop(),
  });

  return {
    stats,
    observers: ctx.observers,
    dispatcher,
    execute,
    sweep,
    /** Queues executions in the caller's transaction (a job each, its id the execution's). */
    enqueue: (trx: Db, executions: readonly { id: string; task_id: string }[]): Promise<void> =>
      queue.addMany(trx, jobsOf(executions)),
  };
}
