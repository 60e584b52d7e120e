// The job engine on the gateway's PostgreSQL, with pg-boss: jobs are added through the
// caller's Kysely transaction (pg-boss's `db` executor). Each registered queue is worked by
// a pool that keeps many jobs in flight (job-pool.ts); periodic jobs use pg-boss's cron, one
// instance at a time. Instances that only add jobs (TORALE_RUNNER=0) set up the queues and
// work none.
import PgBoss from 'pg-boss';
import type { Config } from '../config/config.js';
import { sqlExecutorOf, withAdvisoryLock } from '../db/foreign-sql.js';
import type { Db } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import { type JobEngine, type JobQueue, jobIdOf, type QueueSpec, Registrations } from './job-engine.js';
import { JobPool } from './job-pool.js';

/** Queues of earlier releases, dropped at start-up (their work moved elsewhere). */
const RETIRED_QUEUES = ['task-schedule', 'task-reconcile'];

/** The hourly job that runs every registered cleanup. */
const CLEANUP = { name: 'maintenance-cleanup', cron: '17 * * * *', expireInSeconds: 600, retryLimit: 1 };

/** runner false = only add jobs (API-only instance): no workers, no maintenance, no cron. */
export type PgBossEngineOptions = Pick<Config['engine'], 'pollSeconds' | 'maintenanceSeconds' | 'runner'> & {
  url: string;
};

/** The engine's settings as configured (server.ts and the test harness start it the same way). */
export const engineOptions = (config: Pick<Config, 'engine'>, url: string): PgBossEngineOptions => ({
  ...config.engine,
  url,
});

const executor = (db: Db): PgBoss.Db => sqlExecutorOf(db);

export class PgBossEngine implements JobEngine {
  readonly keepsJobs = true;
  readonly working: boolean;
  readonly boss: PgBoss;
  readonly #registered = new Registrations();
  readonly #pools = new Map<string, JobPool<object>>();

  constructor(
    private readonly opts: PgBossEngineOptions,
    private readonly logger: Logger,
  ) {
    this.working = opts.runner;
    this.boss = new PgBoss({
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
    this.boss.on('error', (err) => logger.warn({ err: { message: err.message } }, 'job engine error'));
  }

  queue<T extends object>(spec: QueueSpec<T>): JobQueue<T> {
    this.#registered.add('queues', spec as QueueSpec<object>);
    const wake = (startAfter?: Date) => {
      if (!startAfter || startAfter.getTime() <= Date.now()) this.#pools.get(spec.name)?.wake();
    };
    return {
      add: async (db, data, opts = {}) => {
        // A job id that exists already is not inserted again (pg-boss: on conflict do nothing).
        const id = opts.id ?? (opts.key !== undefined ? jobIdOf(opts.key) : undefined);
        await this.boss.send(spec.name, data, {
          ...(id && { id }),
          ...(opts.startAfter && { startAfter: opts.startAfter }),
          db: executor(db),
        });
        wake(opts.startAfter);
      },
      addMany: async (db, jobs) => {
        if (jobs.length === 0) return;
        await this.boss.insert(
          jobs.map((j) => ({ name: spec.name, id: j.id, data: j.data })),
          { db: executor(db) },
        );
        wake();
      },
    };
  }

  every(spec: Parameters<JobEngine['every']>[0]): void {
    this.#registered.add('periodic', spec);
  }

  cleanup(name: string, run: () => Promise<number>): void {
    this.#registered.add('cleanups', { name, run });
  }

  alongside(loop: Parameters<JobEngine['alongside']>[0]): void {
    this.#registered.loop(loop);
  }

  async start(): Promise<void> {
    this.#registered.close();
    // Instances starting together would deadlock creating pg-boss's schema and queue
    // partitions: set up one at a time under a session advisory lock.
    await withAdvisoryLock(this.opts.url, 'torale-gateway:job-engine-setup', () => this.#setUp());
    if (!this.working) return;
    const pollMs = this.opts.pollSeconds * 1000;
    for (const spec of this.#registered.queues) {
      // A slow job holds one slot for at most its deadline while the others go on.
      const pool = new JobPool<object>(this.boss, this.logger, {
        queue: spec.name,
        concurrency: spec.concurrency,
        pollMs,
        handler: (data) => spec.handler(data),
      });
      this.#pools.set(spec.name, pool);
      pool.start();
    }
    const once = { pollingIntervalSeconds: this.opts.pollSeconds, batchSize: 1 };
    for (const p of this.#periodic()) {
      await this.boss.work(p.name, once, async () => p.run());
      await this.boss.schedule(p.name, p.cron);
    }
    for (const loop of this.#registered.loops) await loop.start();
  }

  async #setUp(): Promise<void> {
    await this.boss.start();
    for (const spec of this.#registered.queues) {
      await this.#createQueue(spec.name, {
        policy: 'standard',
        retryLimit: spec.retryLimit,
        retryDelay: spec.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: spec.expireInSeconds,
      });
    }
    for (const p of this.#periodic()) {
      await this.#createQueue(p.name, {
        policy: 'singleton',
        retryLimit: p.retryLimit ?? 0,
        expireInSeconds: p.expireInSeconds,
      });
    }
    for (const name of RETIRED_QUEUES) if (await this.boss.getQueue(name)) await this.boss.deleteQueue(name);
  }

  async #createQueue(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    await this.boss.createQueue(name, { name, ...options });
    await this.boss.updateQueue(name, { name, ...options });
  }

  /** The registered periodic jobs, and the hourly one that runs every registered cleanup. */
  #periodic(): (Parameters<JobEngine['every']>[0] & { retryLimit?: number })[] {
    const cleanups = this.#registered.cleanups;
    if (cleanups.length === 0) return this.#registered.periodic;
    const run = async () => {
      const removed: Record<string, number> = {};
      for (const c of cleanups) removed[c.name] = await c.run();
      if (Object.values(removed).some((n) => n > 0)) this.logger.info(removed, 'cleanup removed expired rows');
    };
    return [...this.#registered.periodic, { ...CLEANUP, run }];
  }

  inFlight(): Record<string, number> {
    return Object.fromEntries(
      this.#registered.queues.map((q) => [q.label, this.#pools.get(q.name)?.inFlight ?? 0] as const),
    );
  }

  async stop(): Promise<void> {
    for (const loop of this.#registered.loops) await loop.stop();
    await Promise.all([...this.#pools.values()].map((pool) => pool.stop(10_000)));
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

/** The job engine on the gateway's database (PostgreSQL, or the embedded one served on loopback). */
export function createJobEngine(config: Pick<Config, 'engine'>, database: { url: string }, logger: Logger): JobEngine {
  return new PgBossEngine(engineOptions(config, database.url), logger);
}
