// Many jobs of one queue in flight at once, for work that mostly waits (the agent, a
// webhook target). The pool fetches as many jobs as it has free slots, fetches again at
// once while there is work, and only sleeps (the poll interval, or until woken) when a
// fetch came back empty. Completions are sent to the engine in batches.
import { setTimeout as sleep } from 'node:timers/promises';
import type PgBoss from 'pg-boss';
import type { Logger } from '../lib/logger.js';
import { RetryLater } from './retry-later.js';

export interface JobPoolOptions<T> {
  queue: string;
  /** Jobs in flight at once on this instance. */
  concurrency: number;
  pollMs: number;
  handler: (data: T) => Promise<void>;
}

export class JobPool<T extends object> {
  #running = false;
  #inFlight = 0;
  #loop: Promise<void> | undefined;
  #wake: AbortController = new AbortController();
  #done: string[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #idle = new Set<() => void>();

  constructor(
    private readonly boss: PgBoss,
    private readonly logger: Logger,
    private readonly opts: JobPoolOptions<T>,
  ) {}

  get inFlight(): number {
    return this.#inFlight;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Work may be waiting: look now rather than at the end of the poll interval. */
  wake(): void {
    this.#wake.abort();
  }

  /** Stops fetching, waits for the jobs in flight (up to timeoutMs), and reports their completions. */
  async stop(timeoutMs: number): Promise<void> {
    this.#running = false;
    this.wake();
    await this.#loop;
    if (this.#inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => this.#idle.add(resolve)),
        sleep(timeoutMs, undefined, { ref: false }),
      ]);
    }
    await this.#flush();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const free = this.opts.concurrency - this.#inFlight;
      if (free <= 0) {
        await this.#rest();
        continue;
      }
      let jobs: PgBoss.Job<T>[] = [];
      try {
        jobs = await this.boss.fetch<T>(this.opts.queue, { batchSize: free });
      } catch (err) {
        this.logger.warn({ err: { message: (err as Error).message }, queue: this.opts.queue }, 'job fetch failed');
      }
      for (const job of jobs) this.#start(job);
      if (jobs.length === 0) await this.#rest();
    }
  }

  /** Until the poll interval passes, a slot frees up (when full), or someone calls wake(). */
  async #rest(): Promise<void> {
    if (!this.#running) return;
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    try {
      await sleep(this.opts.pollMs, undefined, { signal: this.#wake.signal });
    } catch {
      // woken
    }
  }

  #start(job: PgBoss.Job<T>): void {
    this.#inFlight++;
    this.opts
      .handler(job.data)
      .then(
        () => this.#complete(job.id),
        (err) => this.#fail(job, err),
      )
      .finally(() => {
        this.#inFlight--;
        if (this.#inFlight === this.opts.concurrency - 1) this.wake();
        if (this.#inFlight === 0) {
          for (const resolve of this.#idle) resolve();
          this.#idle.clear();
        }
      });
  }

  /** Completions go out together: within 10 ms, or at once when 100 are waiting. */
  #complete(id: string): void {
    this.#done.push(id);
    if (this.#done.length >= 100) void this.#flush();
    else this.#flushTimer ??= setTimeout(() => void this.#flush(), 10);
  }

  async #flush(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    const ids = this.#done.splice(0);
    if (ids.length === 0) return;
    try {
      await this.boss.complete(this.opts.queue, ids);
    } catch (err) {
      // The jobs expire and are retried; their handlers are idempotent (run tokens, delivery states).
      this.logger.warn({ err: { message: (err as Error).message }, count: ids.length }, 'job completion failed');
    }
  }

  async #fail(job: PgBoss.Job<T>, err: unknown): Promise<void> {
    if (!(err instanceof RetryLater)) {
      this.logger.error({ err, queue: this.opts.queue, jobId: job.id }, 'job handler failed');
    }
    try {
      // The queue's retry policy decides when (and whether) the job runs again.
      await this.boss.fail(this.opts.queue, job.id, { message: (err as Error)?.message ?? String(err) });
    } catch (failErr) {
      this.logger.warn({ err: { message: (failErr as Error).message } }, 'job failure could not be recorded');
    }
  }
}
