// A bounded queue read as an async iterator (what a GraphQL subscription returns). The
// producer pushes; a consumer that falls `limit` items behind is ended with an error
// rather than allowed to grow without bound. `return()` (the client unsubscribing) runs
// `onEnd` once, so the producer forgets the queue.
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  #waiting: ((r: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((e: unknown) => void) | undefined;
  #error: Error | undefined;
  #done = false;

  constructor(
    private readonly limit: number,
    private readonly onEnd: () => void,
  ) {}

  get ended(): boolean {
    return this.#done;
  }

  push(item: T): void {
    if (this.#done) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.#items.length >= this.limit) {
      this.fail(new Error('Subscription dropped: the client is not reading its updates'));
      return;
    }
    this.#items.push(item);
  }

  /** Ends the stream with an error the client sees (its items are discarded). */
  fail(error: Error): void {
    if (this.#done) return;
    this.#error = error;
    this.#items.length = 0;
    this.#finish();
    this.#failWaiting?.(error);
    this.#waiting = undefined;
    this.#failWaiting = undefined;
  }

  async next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return { value: item, done: false };
    if (this.#error) {
      const e = this.#error;
      this.#error = undefined;
      throw e;
    }
    if (this.#done) return { value: undefined, done: true };
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  async return(): Promise<IteratorResult<T>> {
    this.#items.length = 0;
    this.#finish();
    this.#waiting?.({ value: undefined, done: true });
    this.#waiting = undefined;
    this.#failWaiting = undefined;
    return { value: undefined, done: true };
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.onEnd();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
