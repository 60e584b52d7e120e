// Per-caller budgets (issue 23, finding 4): REST requests and GraphQL cost points per fixed
// window, per API key (per user for sessions), and a per-user fair share of expensive
// operations (fair-share.ts). Windows are aligned to the epoch, so every instance agrees on
// when one resets.
//
// The request path never waits on the network: a charge is a Map lookup and some
// arithmetic against what this instance knows. With Redis configured, a timer adds this
// instance's unsent charges to the shared counters every `syncMs` (one pipeline for every
// caller active in the window) and reads back everyone's totals; so instances share one
// budget, and a caller can overspend by at most what the other instances let through in
// one sync interval. Without Redis (or while it is unreachable) each instance counts alone.
//
// The numbers are the ones GraphQL clients will read (issue 27): limit, cost, remaining,
// resetAt, and restoreRate = limit per window.
import type { Redis } from 'ioredis';
import type { Viewer } from '../auth/viewer.js';
import type { Logger } from '../lib/logger.js';
import { ExpensiveGate, RefusalHold } from './fair-share.js';

export { ExpensiveGate, RefusalHold } from './fair-share.js';

export interface BudgetState {
  /** Points (REST: requests) per window. */
  limit: number;
  /** What this charge cost (0 for a look). */
  cost: number;
  remaining: number;
  /** When the window resets (ms since the epoch). */
  resetAt: number;
  /** false = spent: answer 429, nothing was charged. */
  allowed: boolean;
  /** Whole seconds until the window resets (Retry-After). */
  retryAfterSeconds: number;
}

interface Entry {
  window: number;
  /** Everyone's total as of the last sync (this instance's sent charges included). */
  shared: number;
  /** Charged here, not sent yet. */
  pending: number;
}

/** One named budget (`rest`, `graphql`) of `limit` points per `windowMs` per subject. */
export class BudgetCounter {
  readonly #entries = new Map<string, Entry>();

  constructor(
    readonly name: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  #entry(subject: string, now: number): Entry {
    const window = Math.floor(now / this.windowMs);
    let e = this.#entries.get(subject);
    if (!e || e.window !== window) {
      e = { window, shared: 0, pending: 0 };
      this.#entries.set(subject, e);
    }
    return e;
  }

  #state(e: Entry, cost: number, allowed: boolean, now: number): BudgetState {
    const resetAt = (e.window + 1) * this.windowMs;
    return {
      limit: this.limit,
      cost,
      remaining: Math.max(0, this.limit - e.shared - e.pending),
      resetAt,
      allowed,
      retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)),
    };
  }

  /** Charges `cost` if it fits what is left; a charge that does not fit charges nothing. */
  charge(subject: string, cost: number, now = Date.now()): BudgetState {
    const e = this.#entry(subject, now);
    const allowed = e.shared + e.pending + cost <= this.limit;
    if (allowed) e.pending += cost;
    return this.#state(e, allowed ? cost : 0, allowed, now);
  }

  peek(subject: string, now = Date.now()): BudgetState {
    return this.#state(this.#entry(subject, now), 0, true, now);
  }

  /** What to send: every subject of the current window, with its unsent charges (then cleared). */
  takePending(now = Date.now()): { subject: string; window: number; delta: number }[] {
    const window = Math.floor(now / this.windowMs);
    const out: { subject: string; window: number; delta: number }[] = [];
    for (const [subject, e] of this.#entries) {
      if (e.window < window) {
        // An old window: its unsent charges no longer matter to anyone.
        this.#entries.delete(subject);
        continue;
      }
      out.push({ subject, window: e.window, delta: e.pending });
      e.pending = 0;
    }
    return out;
  }

  /** The shared total after a sync (it includes `delta`, which is no longer pending). */
  settle(subject: string, window: number, total: number): void {
    const e = this.#entries.get(subject);
    if (e && e.window === window) e.shared = Math.max(e.shared, total);
  }

  /** A failed sync: the charges stay pending, to be sent next time. */
  restore(subject: string, window: number, delta: number): void {
    const e = this.#entries.get(subject);
    if (e && e.window === window) e.pending += delta;
  }
}

export interface BudgetOptions {
  windowSeconds: number;
  restRequests: number;
  graphqlPoints: number;
  /** A GraphQL operation of at least this cost is expensive. */
  expensiveCost: number;
  expensiveConcurrency: number;
  /** Percent of wall time one user's expensive operations may keep this instance busy (100 = no bound). */
  expensiveShare: number;
  /** How long a refusal of a spent caller is held before it is answered (0 = at once). */
  refusalHoldMs: number;
  syncMs: number;
  redis?: Redis | undefined;
  prefix?: string;
  logger: Logger;
}

export type Budgets = ReturnType<typeof createBudgets>;

/** Who pays: the key for API keys (each key its own budget), the user for sessions. */
export function budgetSubject(viewer: Viewer): string | undefined {
  if (viewer.kind === 'api-key') return `key:${viewer.apiKeyId}`;
  if (viewer.kind === 'anonymous') return undefined;
  return `user:${viewer.clerkUserId}`;
}

/** The user behind a viewer, for the concurrency cap (shared by all of a user's keys). */
export const budgetUser = (viewer: Viewer): string | undefined =>
  viewer.kind === 'anonymous' ? undefined : viewer.clerkUserId;

export function createBudgets(opts: BudgetOptions) {
  const windowMs = opts.windowSeconds * 1000;
  const rest = new BudgetCounter('rest', opts.restRequests, windowMs);
  const graphql = new BudgetCounter('graphql', opts.graphqlPoints, windowMs);
  const expensive = new ExpensiveGate({ cap: opts.expensiveConcurrency, sharePercent: opts.expensiveShare });
  const refusals = new RefusalHold(opts.refusalHoldMs);
  const prefix = opts.prefix ?? 'torale:budget';
  let syncing = false;

  async function sync(): Promise<void> {
    const redis = opts.redis;
    if (!redis || syncing || redis.status !== 'ready') return;
    syncing = true;
    const batch = [rest, graphql].flatMap((counter) => counter.takePending().map((p) => ({ counter, ...p })));
    try {
      if (batch.length === 0) return;
      const pipeline = redis.pipeline();
      for (const b of batch) {
        const key = `${prefix}:${b.counter.name}:${b.subject}:${b.window}`;
        pipeline.incrby(key, b.delta).pexpire(key, windowMs * 2);
      }
      const results = (await pipeline.exec()) ?? [];
      batch.forEach((b, i) => {
        const [err, total] = results[i * 2] ?? [new Error('no reply'), 0];
        if (err) b.counter.restore(b.subject, b.window, b.delta);
        else b.counter.settle(b.subject, b.window, Number(total));
      });
    } catch (err) {
      for (const b of batch) b.counter.restore(b.subject, b.window, b.delta);
      opts.logger.warn({ err: { message: (err as Error).message } }, 'budget sync failed; counting locally');
    } finally {
      syncing = false;
    }
  }

  const timer = opts.redis ? setInterval(() => void sync(), opts.syncMs) : undefined;
  timer?.unref();

  return {
    rest,
    graphql,
    expensive,
    expensiveCost: opts.expensiveCost,
    refusals,
    /** Sends what is pending now (tests; shutdown). */
    sync,
    close(): void {
      if (timer) clearInterval(timer);
    },
  };
}

/** Whole seconds until `resetAt` (ms since the epoch), at least 1: a Retry-After. */
export const retryAfter = (resetAt: number, now = Date.now()): number => Math.max(1, Math.ceil((resetAt - now) / 1000));

/** The IETF draft's headers for a state (RateLimit-Reset: seconds until the reset). */
export function rateLimitHeaders(s: BudgetState, now = Date.now()): Record<string, string> {
  return {
    'ratelimit-limit': String(s.limit),
    'ratelimit-remaining': String(s.remaining),
    'ratelimit-reset': String(Math.max(0, Math.ceil((s.resetAt - now) / 1000))),
  };
}
