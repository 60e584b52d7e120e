// The job engine: pg-boss on the gateway's PostgreSQL. Jobs are enqueued through the
// caller's Kysely transaction (pg-boss's `db` executor), so a row and its job commit or
// roll back together.
import PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import { sqlExecutorOf, withAdvisoryLock } from '../db/foreign-sql.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import { failExecution } from '../tasks/executions.repository.js';
import { cancelPendingJobs } from './jobs.repository.js';

export const QUEUES = {
  schedule: 'task-schedule',
  execution: 'task-execution',
  delivery: 'webhook-delivery',
  reconcile: 'task-reconcile',
  cleanup: 'maintenance-cleanup',
} as const;

/** What services need from the engine; a no-op stand-in when runs are disabled. */
export interface RunsPort {
  readonly enabled: boolean;
  enqueueExecution(db: Db, executionId: string, taskId: string): Promise<void>;
  scheduleTask(db: Db, taskId: string, at: Date): Promise<void>;
  cancelSchedule(db: Db, taskId: string): Promise<void>;
  enqueueDelivery(db: Db, deliveryId: string): Promise<void>;
}

export interface EngineOptions {
  url: string;
  agentTimeoutMs: number;
  retryDelaySeconds: number;
  maxAttempts: number;
  pollSeconds: number;
  maintenanceSeconds: number;
  expireSlackSeconds: number;
  /** Delivery workers on this instance: webhook attempts in flight at once. */
  deliveryConcurrency: number;
  /** false = only enqueue (API-only instance): no workers, no maintenance, no cron. */
  worker: boolean;
}

/** The engine's settings as configured (main.ts and the test harness start it the same way). */
export function engineOptions(config: Config, url: string): EngineOptions {
  return {
    url,
    agentTimeoutMs: config.agentTimeoutMs,
    retryDelaySeconds: config.runRetryDelaySeconds,
    maxAttempts: config.runMaxAttempts,
    pollSeconds: config.jobsPollSeconds,
    maintenanceSeconds: config.jobsMaintenanceSeconds,
    expireSlackSeconds: config.runExpireSlackSeconds,
    deliveryConcurrency: config.webhookDeliveryConcurrency,
    worker: config.runner,
  };
}

const executor = (db: Db): PgBoss.Db => sqlExecutorOf(db);

export class JobEngine implements RunsPort {
  readonly enabled = true;

  private constructor(
    readonly boss: PgBoss,
    private readonly opts: EngineOptions,
  ) {}

  static async start(opts: EngineOptions, logger: Logger): Promise<JobEngine> {
    const boss = new PgBoss({
      connectionString: opts.url,
      max: 4,
      application_name: 'torale-gateway-jobs',
      schema: 'pgboss',
      supervise: opts.worker,
      schedule: opts.worker,
      maintenanceIntervalSeconds: opts.maintenanceSeconds,
      monitorStateIntervalSeconds: Math.max(opts.maintenanceSeconds, 10),
      cronMonitorIntervalSeconds: Math.min(45, Math.max(opts.maintenanceSeconds, 1)),
    });
    boss.on('error', (err) => logger.warn({ err: { message: err.message } }, 'job engine error'));
    // Instances starting together would deadlock creating pg-boss's schema and queue
    // partitions: set up one at a time under a session advisory lock.
    return withAdvisoryLock(opts.url, 'torale-gateway:job-engine-setup', () => JobEngine.#setUp(boss, opts));
  }

  static async #setUp(boss: PgBoss, opts: EngineOptions): Promise<JobEngine> {
    await boss.start();
    const engine = new JobEngine(boss, opts);
    const expire = Math.ceil(opts.agentTimeoutMs / 1000) + opts.expireSlackSeconds;
    await engine.#queue(QUEUES.schedule, { policy: 'stately', retryLimit: 3, retryDelay: 5, retryBackoff: true });
    await engine.#queue(QUEUES.execution, {
      policy: 'standard',
      retryLimit: Math.max(0, opts.maxAttempts - 1),
      retryDelay: opts.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: expire,
    });
    // The expiry must outlast one attempt (WEBHOOK_TIMEOUT_MS, at most 30 s) and its writes:
    // an expired job is handed to another worker, which would send the attempt again.
    await engine.#queue(QUEUES.delivery, {
      policy: 'standard',
      retryLimit: 5,
      retryDelay: opts.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: 60,
    });
    await engine.#queue(QUEUES.reconcile, { policy: 'singleton', retryLimit: 0, expireInSeconds: 300 });
    await engine.#queue(QUEUES.cleanup, { policy: 'singleton', retryLimit: 1, expireInSeconds: 600 });
    return engine;
  }

  async #queue(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    await this.boss.createQueue(name, { name, ...options });
    await this.boss.updateQueue(name, { name, ...options });
  }

  async enqueueExecution(db: Db, executionId: string, taskId: string): Promise<void> {
    await this.boss.send(QUEUES.execution, { executionId, taskId }, { id: executionId, db: executor(db) });
  }

  /**
   * (Re)schedules the task's next run: the pending schedule, if any, is replaced in the same
   * transaction, so a task has exactly one (stately queue keyed by task id).
   */
  async scheduleTask(db: Db, taskId: string, at: Date): Promise<void> {
    await this.cancelSchedule(db, taskId);
    await this.boss.send(QUEUES.schedule, { taskId }, { singletonKey: taskId, startAfter: at, db: executor(db) });
  }

  async cancelSchedule(db: Db, taskId: string): Promise<void> {
    await cancelPendingJobs(db, QUEUES.schedule, taskId);
  }

  async enqueueDelivery(db: Db, deliveryId: string): Promise<void> {
    await this.boss.send(QUEUES.delivery, { deliveryId }, { id: deliveryId, db: executor(db) });
  }

  /** Looks at a delivery again later without attempting it now (its first job keeps the delivery's id). */
  async deferDelivery(db: Db, deliveryId: string, at: Date): Promise<void> {
    await this.boss.send(QUEUES.delivery, { deliveryId }, { startAfter: at, db: executor(db) });
  }

  async work(handlers: {
    schedule: (taskId: string) => Promise<void>;
    execution: (executionId: string) => Promise<void>;
    delivery: (deliveryId: string) => Promise<void>;
    reconcile: () => Promise<void>;
    cleanup: () => Promise<void>;
  }): Promise<void> {
    const opts = { pollingIntervalSeconds: this.opts.pollSeconds, batchSize: 1 };
    // Schedules are quick (a row and a job): take them ten at a time. The handler is
    // idempotent, so a batch retried as a whole does no harm.
    await this.boss.work<{ taskId: string }>(QUEUES.schedule, { ...opts, batchSize: 10 }, async (jobs) => {
      for (const job of jobs) await handlers.schedule(job.data.taskId);
    });
    // Several executions at once: each spends most of its time waiting for the agent.
    for (let i = 0; i < 4; i++) {
      await this.boss.work<{ executionId: string }>(QUEUES.execution, opts, async ([job]) =>
        job ? handlers.execution(job.data.executionId) : undefined,
      );
    }
    // Deliveries side by side, one job per worker: a slow target holds one worker for at most
    // its attempt deadline while the others go on. One job each (not a batch) keeps every
    // delivery's own retry schedule, since pg-boss fails a whole batch when its handler throws.
    for (let i = 0; i < this.opts.deliveryConcurrency; i++) {
      await this.boss.work<{ deliveryId: string }>(QUEUES.delivery, opts, async ([job]) =>
        job ? handlers.delivery(job.data.deliveryId) : undefined,
      );
    }
    await this.boss.work(QUEUES.reconcile, opts, async () => handlers.reconcile());
    await this.boss.schedule(QUEUES.reconcile, '* * * * *');
    await this.boss.work(QUEUES.cleanup, opts, async () => handlers.cleanup());
    await this.boss.schedule(QUEUES.cleanup, '17 * * * *');
  }

  async stop(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

/**
 * The job engine as configured: pg-boss on PostgreSQL; with embedded PGlite there is none,
 * and executions fail at once saying why.
 */
export async function startJobs(config: Config, logger: Logger): Promise<{ jobs?: JobEngine; runs?: RunsPort }> {
  if (!config.databaseUrl) {
    return {
      runs: unavailableRuns(
        'Runs are disabled: embedded PGlite (no DATABASE_URL) has no job engine. Set DATABASE_URL to a PostgreSQL server to run tasks.',
      ),
    };
  }
  return { jobs: await JobEngine.start(engineOptions(config, config.databaseUrl), logger) };
}

/** Runs are off on this instance: executions wait for an instance that runs them. */
export const NO_RUNS: RunsPort = {
  enabled: false,
  enqueueExecution: async () => {},
  scheduleTask: async () => {},
  cancelSchedule: async () => {},
  enqueueDelivery: async () => {},
};

/** No job engine can run here at all (embedded PGlite): executions fail at once, saying why. */
export function unavailableRuns(reason: string): RunsPort {
  return {
    ...NO_RUNS,
    async enqueueExecution(db, executionId) {
      await failExecution(db, executionId, reason);
    },
  };
}
