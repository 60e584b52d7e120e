// Fair share of one instance between callers (issue 23, "what must show" 2). A Node process
// serves everyone on one thread, so a user who keeps it busy with expensive GraphQL
// operations slows everyone else's cheap requests, however few points those operations
// cost. Two rules bound that:
//
// - ExpensiveGate: one user's expensive operations run at most `cap` at once and keep the
//   instance busy at most `sharePercent` of the wall time (a bucket of busy milliseconds,
//   refilled at that rate, holding one second's burst). An operation over either waits its
//   turn in the user's queue (a waiting request costs nothing); a full queue, or a wait past
//   MAX_WAIT_MS, is refused. A slow instance (a busy machine) makes every operation longer,
//   so the same share allows fewer of them: the bound follows what the instance can give.
// - RefusalHold: a refusal of a caller who spent their budget is answered after a short hold
//   (a few per caller at once; beyond that at once). A client that ignores Retry-After and
//   retries at once gets a few answers a second instead of hundreds, each costing a request's
//   parsing, authentication and its SQL.

/** Waiting operations one user may have; one more is refused at once. */
export const MAX_WAITING_PER_USER = 16;
/** How long an operation may wait for its turn before it is refused. */
export const MAX_WAIT_MS = 5000;
/** The most busy time one user can bank while idle (a burst). */
export const BURST_MS = 1000;
/** Refusals one caller may have held at once. */
export const HELD_PER_CALLER = 8;

export type Release = () => void;

interface Waiter {
  resolve(release: Release | undefined): void;
  timer: NodeJS.Timeout;
}

interface UserState {
  inFlight: number;
  /** Busy milliseconds the user may still spend (negative: owed). */
  tokens: number;
  /** When `tokens` was last brought up to date (performance.now()). */
  at: number;
  waiting: Waiter[];
  wake?: NodeJS.Timeout | undefined;
}

export class ExpensiveGate {
  readonly #users = new Map<string, UserState>();
  readonly cap: number;
  /** Busy milliseconds earned per millisecond of wall time (1 = no bound). */
  readonly #rate: number;
  readonly #now: () => number;
  readonly #burst: number;
  #calls = 0;

  constructor(opts: { cap: number; sharePercent: number; burstMs?: number; now?: () => number }) {
    this.cap = opts.cap;
    this.#burst = opts.burstMs ?? BURST_MS;
    this.#rate = Math.min(100, Math.max(1, opts.sharePercent)) / 100;
    this.#now = opts.now ?? (() => performance.now());
  }

  /** Users with an operation running, waiting, or busy time owed (for tests and metrics). */
  get tracked(): number {
    return this.#users.size;
  }

  #state(user: string): UserState {
    const now = this.#now();
    let s = this.#users.get(user);
    if (!s) {
      s = { inFlight: 0, tokens: this.#burst, at: now, waiting: [] };
      this.#users.set(user, s);
    } else {
      s.tokens = Math.min(this.#burst, s.tokens + (now - s.at) * this.#rate);
      s.at = now;
    }
    return s;
  }

  #canStart(s: UserState): boolean {
    return s.inFlight < this.cap && (this.#rate >= 1 || s.tokens > 0);
  }

  #start(user: string, s: UserState): Release {
    s.inFlight++;
    const began = this.#now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const st = this.#state(user);
      st.inFlight--;
      st.tokens -= this.#now() - began;
      this.#pump(user, st);
    };
  }

  /** Starts the user's waiting operations that may start; otherwise wakes up when they may. */
  #pump(user: string, s: UserState): void {
    while (s.waiting.length > 0 && this.#canStart(s)) {
      const w = s.waiting.shift()!;
      clearTimeout(w.timer);
      w.resolve(this.#start(user, s));
    }
    if (s.waiting.length > 0 && s.inFlight < this.cap && !s.wake) {
      // Waiting for busy time only: come back when the bucket is positive again.
      const ms = Math.ceil(-s.tokens / this.#rate) + 1;
      s.wake = setTimeout(() => {
        s.wake = undefined;
        this.#pump(user, this.#state(user));
      }, ms);
    }
    if (s.inFlight === 0 && s.waiting.length === 0 && (this.#rate >= 1 || s.tokens >= this.#burst)) {
      this.#users.delete(user);
    }
  }

  /** Forgets users with nothing running or waiting whose bucket has refilled (bounds the map). */
  #sweep(): void {
    for (const [user, s] of this.#users) {
      if (s.inFlight > 0 || s.waiting.length > 0) continue;
      if (this.#rate >= 1 || s.tokens + (this.#now() - s.at) * this.#rate >= this.#burst) this.#users.delete(user);
    }
  }

  /**
   * A release function once the user's operation may run (at once when it may), or
   * undefined when it is refused: the user's queue is full or its turn did not come in time.
   */
  acquire(user: string): Promise<Release | undefined> {
    if (++this.#calls % 256 === 0) this.#sweep();
    const s = this.#state(user);
    if (s.waiting.length === 0 && this.#canStart(s)) return Promise.resolve(this.#start(user, s));
    if (s.waiting.length >= MAX_WAITING_PER_USER) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const w: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const st = this.#state(user);
          st.waiting = st.waiting.filter((x) => x !== w);
          resolve(undefined);
          this.#pump(user, st);
        }, MAX_WAIT_MS),
      };
      s.waiting.push(w);
      this.#pump(user, s);
    });
  }
}

export class RefusalHold {
  readonly #held = new Map<string, number>();

  constructor(
    readonly holdMs: number,
    readonly perCaller = HELD_PER_CALLER,
  ) {}

  /** Resolves after the hold (at most `maxMs`), or at once when the caller already has its share held. */
  async hold(caller: string, maxMs = Number.POSITIVE_INFINITY): Promise<void> {
    const ms = Math.min(this.holdMs, maxMs);
    const n = this.#held.get(caller) ?? 0;
    if (ms <= 0 || n >= this.perCaller) return;
    this.#held.set(caller, n + 1);
    try {
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      const left = (this.#held.get(caller) ?? 1) - 1;
      if (left > 0) this.#held.set(caller, left);
      else this.#held.delete(caller);
    }
  }
}
