import { Errors } from '../errors.js';

/**
 * Bounds concurrent expensive work (bcrypt). Up to `concurrency` jobs run at once; others
 * wait in one queue per key (the client address), served round-robin, at most `perKey`
 * per key and `maxQueue` in all. Beyond that callers get 503 at once instead of piling up,
 * so a flood from one address can neither starve the thread pool the server shares nor
 * keep another address's request out.
 */
export class Limiter {
  #active = 0;
  #queued = 0;
  readonly #queues = new Map<string, (() => void)[]>();

  constructor(
    private readonly concurrency: number,
    private readonly maxQueue: number,
    private readonly perKey = maxQueue,
  ) {}

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queued;
  }

  async run<T>(fn: () => Promise<T>, key = ''): Promise<T> {
    if (this.#active >= this.concurrency) {
      const queue = this.#queues.get(key) ?? [];
      if (this.#queued >= this.maxQueue || queue.length >= this.perKey) throw Errors.serviceBusy();
      if (queue.length === 0) this.#queues.set(key, queue);
      this.#queued++;
      await new Promise<void>((resolve) => queue.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await fn();
    } finally {
      this.#next();
    }
  }

  /** Hands the freed slot to the oldest waiter of the next key in turn, or frees it. */
  #next(): void {
    const entry = this.#queues.entries().next();
    if (entry.done) {
      this.#active--;
      return;
    }
    const [key, queue] = entry.value;
    const resolve = queue.shift() as () => void;
    this.#queued--;
    // Round-robin: the key goes to the back of the line (or away when it has no one left).
    this.#queues.delete(key);
    if (queue.length > 0) this.#queues.set(key, queue);
    resolve();
  }
}
