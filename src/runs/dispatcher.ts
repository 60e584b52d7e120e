// Starts due runs: every instance that executes runs loops over the tasks whose
// next_dispatch_at has come (an index range, whatever the table size), in batches, each
// batch one transaction that creates the executions and enqueues their jobs together.
// It goes on at once while batches come back full and otherwise sleeps the poll interval;
// the first look after a sleep is a single indexed statement, so an idle instance costs the
// database one statement per poll (a batch is a transaction: three at least).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { DB } from '../db/types.js';
import type { JobQueue } from '../engine/job-engine.js';
import type { Logger } from '../lib/logger.js';
import { type ExecutionJob, jobsOf } from './run-context.js';
import { anyDue, dispatchDue } from './runs.repository.js';

/** heldRecheckSeconds: a disabled owner's task is looked at again this much later. */
export type DispatcherOptions = Pick<Config['engine'], 'dispatchBatchSize' | 'pollSeconds' | 'heldRecheckSeconds'>;

export class Dispatcher {
  readonly stats = { batches: 0, started: 0, errors: 0, polls: 0 };
  #running = false;
  #loop: Promise<void> | undefined;
  #wake = new AbortController();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly queue: JobQueue<ExecutionJob>,
    private readonly logger: Logger,
    private readonly opts: DispatcherOptions,
  ) {}

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake.abort();
    await this.#loop;
  }

  /** One batch; the number of due tasks it looked at. */
  async dispatchOnce(): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const { started, due } = await dispatchDue(trx, this.opts.dispatchBatchSize, this.opts.heldRecheckSeconds);
      await this.queue.addMany(trx, jobsOf(started));
      this.stats.batches++;
      this.stats.started += started.length;
      return due;
    });
  }

  /** A look after a rest: one statement when nothing is due, else a batch. */
  async poll(): Promise<number> {
    this.stats.polls++;
    return (await anyDue(this.db)) ? this.dispatchOnce() : 0;
  }

  async #run(): Promise<void> {
    let due = 0;
    while (this.#running) {
      try {
        due = due >= this.opts.dispatchBatchSize ? await this.dispatchOnce() : await this.poll();
      } catch (err) {
        due = 0;
        // The database may be restarting: try again after the poll interval, never crash.
        this.stats.errors++;
        this.logger.warn({ err: { message: (err as Error).message } }, 'dispatch failed');
      }
      if (due < this.opts.dispatchBatchSize) await this.#rest();
    }
  }

  async #rest(): Promise<void> {
    if (!this.#running) return;
    if (this.#wake.signal.aborted) this.#wake = new AbortController();
    try {
      await sleep(this.opts.pollSeconds * 1000, undefined, { signal: this.#wake.signal });
    } catch {
      // stopping
    }
  }
}
