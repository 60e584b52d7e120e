// The job engine: pg-boss on the gateway's PostgreSQL. Jobs are enqueued through the
// caller's Kysely transaction (pg-boss's `db` executor), so a row and its job commit or
// roll back together. Executions and deliveries are worked by pools that keep many jobs
// in flight (src/runs/job-pool.ts); the schedule itself lives in the tasks table and is
// read by the dispatcher (src/runs/dispatcher.ts).
import { createHash } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { Config } from '../config/config.js';
import { DELIVERY_JOB_EXPIRE_SECONDS, EMAIL_JOB_EXPIRE_SECONDS } from '../config/settings.js';
import { sqlExecutorOf, withAdvisoryLock } from '../db/foreign-sql.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import type { EmailJob, EmailQueue } from '../notifications/emails.js';
import type { DeliveryJob, DeliveryQueue } from './delivery-job.js';
import { JobPool } from './job-pool.js';

export const QUEUES = {
  execution: 'task-execution',
  delivery: 'webhook-delivery',
  email: 'email-send',
  sweep: 'run-sweep',
  cleanup: 'maintenance-cleanup',
} as const;

/** Queues of earlier releases, dropped at start-up (their work moved elsewhere). */
const RETIRED_QUEUES = ['task-schedule', 'task-reconcile'];

/** What services need from the engine; a stand-in on instances built without one (tests). */
export interface RunsPort extends DeliveryQueue {
  readonly enabled: boolean;
  enqueueExecution(db: Db, executionId: string, taskId: string): Promise<void>;
}

/** A job id that follows from a key (a UUID-shaped SHA-256 prefix): the same key, the same job. */
export function jobIdOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** runner false = only enqueue (API-only instance): no workers, no maintenance, no cron. */
export type EngineOptions = Pick<
  Config['engine'],
  | 'retryDelaySeconds'
  | 'maxAttempts'
  | 'pollSeconds'
  | 'maintenanceSeconds'
  | 'executionExpireSeconds'
  | 'runConcurrency'
  | 'runner'
> &
  Pick<Config['webhooks'], 'deliveryConcurrency'> & { emailConcurrency: number; url: string };

/** The engine's settings as configured (main.ts and the test harness start it the same way). */
export function engineOptions(config: Pick<Config, 'engine' | 'webhooks' | 'email'>, url: string): EngineOptions {
  return {
    ...config.engine,
    deliveryConcurrency: config.webhooks.deliveryConcurrency,
    emailConcurrency: config.email.concurrency,
    url,
  };
}

const executor = (db: Db): PgBoss.Db => sqlExecutorOf(db);

export interface EngineHandlers {
  execution: (executionId: string) => Promise<void>;
  delivery: (job: DeliveryJob) => Promise<void>;
  email: (job: EmailJob) => Promise<void>;
  sweep: () => Promise<void>;
  cleanup: () => Promise<void>;
}

export class JobEngine implements RunsPort, EmailQueue {
  readonly enabled = true;
  /** Executions, deliveries, emails. */
  #pools: Pick<JobPool<object>, 'wake' | 'stop' | 'inFlight' | 'start'>[] = [];

  private constructor(
    readonly boss: PgBoss,
    private readonly opts: EngineOptions,
    private readonly logger: Logger,
  ) {}

  static async start(opts: EngineOptions, logger: Logger): Promise<JobEngine> {
    const boss = new PgBoss({
      connectionString: opts.url,
      max: 4,
      application_name: 'torale-gateway-jobs',
      schema: 'pgboss',
      supervise: opts.runner,
      schedule: opts.runner,
      maintenanceIntervalSeconds: opts.maintenanceSeconds,
      monitorStateIntervalSeconds: Math.max(opts.maintenanceSeconds, 10),
      cronMonitorIntervalSeconds: Math.min(45, Math.max(opts.maintenanceSeconds, 1)),
    });
    boss.on('error', (err) => logger.warn({ err: { message: err.message } }, 'job engine error'));
    // Instances starting together would deadlock creating pg-boss's schema and queue
    // partitions: set up one at a time under a session advisory lock.
    return withAdvisoryLock(opts.url, 'torale-gateway:job-engine-setup', () => JobEngine.#setUp(boss, opts, logger));
  }

  static async #setUp(boss: PgBoss, opts: EngineOptions, logger: Logger): Promise<JobEngine> {
    await boss.start();
    const engine = new JobEngine(boss, opts, logger);
    await engine.#queue(QUEUES.execution, {
      policy: 'standard',
      retryLimit: Math.max(0, opts.maxAttempts - 1),
      retryDelay: opts.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: opts.executionExpireSeconds,
    });
    await engine.#queue(QUEUES.delivery, {
      policy: 'standard',
      retryLimit: 5,
      retryDelay: opts.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: DELIVERY_JOB_EXPIRE_SECONDS,
    });
    // Attempts schedule their own retries; the engine's retry only covers a handler that threw.
    await engine.#queue(QUEUES.email, {
      policy: 'standard',
      retryLimit: 5,
      retryDelay: opts.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: EMAIL_JOB_EXPIRE_SECONDS,
    });
    await engine.#queue(QUEUES.sweep, { policy: 'singleton', retryLimit: 0, expireInSeconds: 300 });
    await engine.#queue(QUEUES.cleanup, { policy: 'singleton', retryLimit: 1, expireInSeconds: 600 });
    for (const name of RETIRED_QUEUES) if (await boss.getQueue(name)) await boss.deleteQueue(name);
    return engine;
  }

  async #queue(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    await this.boss.createQueue(name, { name, ...options });
    await this.boss.updateQueue(name, { name, ...options });
  }

  async enqueueExecution(db: Db, executionId: string, taskId: string): Promise<void> {
    await this.enqueueExecutions(db, [{ id: executionId, task_id: taskId }]);
  }

  /** One statement for any number of executions; each job's id is its execution's id. */
  async enqueueExecutions(db: Db, executions: readonly { id: string; task_id: string }[]): Promise<void> {
    if (executions.length === 0) return;
    await this.boss.insert(
      executions.map((e) => ({ name: QUEUES.execution, id: e.id, data: { executionId: e.id, taskId: e.task_id } })),
      { db: executor(db) },
    );
    this.#pools[0]?.wake();
  }

  /** The first attempt of a new delivery, at once (its job's id is the delivery's). */
  async enqueueDelivery(db: Db, deliveryId: string): Promise<void> {
    const job: DeliveryJob = { deliveryId, attempt: 1, kind: 'scheduled' };
    await this.boss.send(QUEUES.delivery, job, { id: deliveryId, db: executor(db) });
    this.#pools[1]?.wake();
  }

  async enqueueWebhookAttempt(
    db: Db,
    job: Required<DeliveryJob>,
    opts: { startAfter?: Date; key: string | null },
  ): Promise<void> {
    // A job id that exists already is not inserted again (pg-boss: on conflict do nothing).
    await this.boss.send(QUEUES.delivery, job, {
      ...(opts.key !== null && { id: jobIdOf(opts.key) }),
      ...(opts.startAfter && { startAfter: opts.startAfter }),
      db: executor(db),
    });
    if (!opts.startAfter || opts.startAfter.getTime() <= Date.now()) this.#pools[1]?.wake();
  }

  /** One email attempt; jobs with the same key are one job (instances racing queue it once). */
  async enqueueEmailAttempt(db: Db, job: EmailJob, opts: { startAfter?: Date; key: string }): Promise<void> {
    await this.boss.send(QUEUES.email, job, {
      id: jobIdOf(`email:${opts.key}`),
      ...(opts.startAfter && { startAfter: opts.startAfter }),
      db: executor(db),
    });
    if (!opts.startAfter || opts.startAfter.getTime() <= Date.now()) this.#pools[2]?.wake();
  }

  /** Starts this instance's workers; returns at once (the pools run in the background). */
  async work(handlers: EngineHandlers): Promise<void> {
    const pollMs = this.opts.pollSeconds * 1000;
    const executions = new JobPool<{ executionId?: string }>(this.boss, this.logger, {
      queue: QUEUES.execution,
      concurrency: this.opts.runConcurrency,
      pollMs,
      handler: ({ executionId }) => handlers.execution(executionId as string),
    });
    // A slow target holds one slot for at most its attempt deadline while the others go on.
    const deliveries = new JobPool<DeliveryJob>(this.boss, this.logger, {
      queue: QUEUES.delivery,
      concurrency: this.opts.deliveryConcurrency,
      pollMs,
      handler: (job) => handlers.delivery(job),
    });
    const emails = new JobPool<EmailJob>(this.boss, this.logger, {
      queue: QUEUES.email,
      concurrency: this.opts.emailConcurrency,
      pollMs,
      handler: (job) => handlers.email(job),
    });
    this.#pools = [executions, deliveries, emails];
    for (const pool of this.#pools) pool.start();
    const once = { pollingIntervalSeconds: this.opts.pollSeconds, batchSize: 1 };
    await this.boss.work(QUEUES.sweep, once, async () => handlers.sweep());
    await this.boss.schedule(QUEUES.sweep, '* * * * *');
    await this.boss.work(QUEUES.cleanup, once, async () => handlers.cleanup());
    await this.boss.schedule(QUEUES.cleanup, '17 * * * *');
  }

  /** Jobs in flight on this instance, per pool (metrics). */
  get inFlight(): { executions: number; deliveries: number; emails: number } {
    return {
      executions: this.#pools[0]?.inFlight ?? 0,
      deliveries: this.#pools[1]?.inFlight ?? 0,
      emails: this.#pools[2]?.inFlight ?? 0,
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.stop(10_000)));
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

/** The job engine on the gateway's database (PostgreSQL, or the embedded one served on loopback). */
export async function startJobs(
  config: Pick<Config, 'engine' | 'webhooks' | 'email'>,
  database: { url: string },
  logger: Logger,
): Promise<{ jobs: JobEngine }> {
  return { jobs: await JobEngine.start(engineOptions(config, database.url), logger) };
}

/** Runs are off on this instance: executions wait for an instance that runs them. */
export const NO_RUNS: RunsPort = {
  enabled: false,
  enqueueExecution: async () => {},
  enqueueWebhookAttempt: async () => {},
};
