// The job engine carries the features' background work and knows none of it. At
// composition time each feature registers its queues (the handler sits beside the
// feature's service), its periodic jobs, its cleanups and any loop of its own; the engine
// starts them once the app is ready and stops them when it closes. Jobs are added in the
// caller's transaction, so a row and its job commit or roll back together.
//
// Two implementations: pg-boss on the gateway's database (pg-boss-engine.ts), and the inert
// engine below, for a container built without one (service tests).
import { createHash } from 'node:crypto';
import type { Db } from '../db/types.js';

export interface QueueSpec<T> {
  /** The queue's name in the engine (jobs already queued carry it: never rename one). */
  name: string;
  /** Its name on metrics (`torale_jobs_in_flight{queue}`). */
  label: string;
  /** Jobs in flight at once on this instance (work that mostly waits: an agent, a target). */
  concurrency: number;
  /** Times a failed job (or one whose handler threw RetryLater) runs again. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** A job not finished this long after it started is taken as dead and retried. */
  expireInSeconds: number;
  handler(data: T): Promise<void>;
}

export interface AddOptions {
  /** The job's id (a UUID): a job whose id exists already is not added again. */
  id?: string;
  /** A key the job's id follows from (jobIdOf): instances adding the same key add one job. */
  key?: string;
  /** Not before then (default: at once). */
  startAfter?: Date;
}

/** A feature's handle on its queue, returned by `engine.queue(…)`. */
export interface JobQueue<T> {
  add(db: Db, data: T, opts?: AddOptions): Promise<void>;
  /** Any number of jobs in one statement, each with its own id. */
  addMany(db: Db, jobs: readonly { id: string; data: T }[]): Promise<void>;
}

/** A job that runs on a cron schedule (UTC), on one instance at a time. */
export interface PeriodicSpec {
  name: string;
  cron: string;
  expireInSeconds: number;
  run(): Promise<void>;
}

/** A loop of a feature's own that runs beside the workers (e.g. the runs dispatcher). */
export interface BackgroundLoop {
  /** Awaited before the engine's start returns; the loop itself runs in the background. */
  start(): void | Promise<void>;
  stop(): Promise<void>;
}

export interface JobEngine {
  /** false: jobs added are dropped (the inert engine of a container built without one). */
  readonly keepsJobs: boolean;
  /** Whether this instance works jobs (false: it only adds them, e.g. TORALE_RUNNER=0). */
  readonly working: boolean;
  /** Registers a queue and its handler; composition time only. */
  queue<T extends object>(spec: QueueSpec<T>): JobQueue<T>;
  every(spec: PeriodicSpec): void;
  /** Housekeeping run by one hourly job, one instance at a time; `run` answers the rows it removed. */
  cleanup(name: string, run: () => Promise<number>): void;
  alongside(loop: BackgroundLoop): void;
  /** Sets up the queues and, when working, starts the workers, schedules and loops (returns at once). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Jobs being worked on this instance, per queue label. */
  inFlight(): Record<string, number>;
}

/** A job id that follows from a key (a UUID-shaped SHA-256 prefix): the same key, the same job. */
export function jobIdOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What every engine checks at registration: names are unique, and nothing comes after start. */
export class Registrations {
  readonly queues: QueueSpec<object>[] = [];
  readonly periodic: PeriodicSpec[] = [];
  readonly cleanups: { name: string; run: () => Promise<number> }[] = [];
  readonly loops: BackgroundLoop[] = [];
  #started = false;

  add<K extends 'queues' | 'periodic' | 'cleanups'>(kind: K, item: Registrations[K][number]): void {
    this.#open();
    const names = [...this.queues, ...this.periodic, ...this.cleanups].map((r) => r.name);
    if (names.includes(item.name)) throw new Error(`job engine: "${item.name}" is registered twice`);
    (this[kind] as unknown[]).push(item);
  }

  loop(loop: BackgroundLoop): void {
    this.#open();
    this.loops.push(loop);
  }

  close(): void {
    this.#started = true;
  }

  #open(): void {
    if (this.#started) throw new Error('job engine: register jobs at composition time, before start()');
  }
}

/**
 * No job runs here and jobs added are dropped: what a container built without an engine
 * (service tests) queues waits, as it would for an instance that works jobs.
 */
export function inertEngine(): JobEngine {
  const registered = new Registrations();
  return {
    keepsJobs: false,
    working: false,
    queue<T extends object>(spec: QueueSpec<T>): JobQueue<T> {
      registered.add('queues', spec as QueueSpec<object>);
      return { add: async () => {}, addMany: async () => {} };
    },
    every: (spec) => registered.add('periodic', spec),
    cleanup: (name, run) => registered.add('cleanups', { name, run }),
    alongside: (loop) => registered.loop(loop),
    start: async () => registered.close(),
    stop: async () => {},
    inFlight: () => ({}),
  };
}
