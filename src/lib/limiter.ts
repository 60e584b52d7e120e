import { Errors } from '../errors.js';

/**
 * Bounds concurrent expensive work (bcrypt). Up to `concurrency` jobs run at once, up to
 * `maxQueue` wait; beyond that callers get 503 at once instead of piling up, so a flood
 * of wrong keys cannot starve the thread pool that the rest of the server shares.
 */
export class Limiter {
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly maxQueue: number,
  ) {}

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.concurrency) {
      if (this.#queue.length >= this.maxQueue) throw Errors.serviceBusy();
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      // Hand the slot straight to the next waiter; only free it when nobody waits.
      if (next) next();
      else this.#active--;
    }
  }
}
