// Live updates of one instance. Changes are announced by the database (triggers NOTIFY
// on `torale_live` from the committing transaction, migration 0009); the hub hears them
// on one LISTEN connection, keeps only those of users with a subscriber here, reads what
// it must once per change (not per subscriber) and hands each subscriber what it may see
// — its own tasks and executions. Events are handled one at a time, in commit order.
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { Listener } from '../db/listener.js';
import type { DB, ExecutionRow } from '../db/types.js';
import type { Logger } from '../lib/logger.js';
import { findExecution } from '../tasks/executions.repository.js';
import { type ExecutionStatus, FINAL_STATUSES } from '../tasks/task-states.js';
import { findTaskWithLast, type TaskWithLast } from '../tasks/tasks.repository.js';
import { AsyncQueue } from './async-queue.js';

export const LIVE_CHANNEL = 'torale_live';

export type LiveEvent =
  | {
      k: 'execution';
      id: string;
      task: string;
      user: string;
      status: ExecutionStatus;
      started_at: string;
      completed_at: string | null;
      created_at: string;
      error: string | null;
    }
  | { k: 'task'; id: string; user: string }
  | { k: 'user'; id: string; user: string }
  | { k: 'key'; id: string; user: string }
  /** A Clerk profile changed (id = Clerk user id): cached copies are stale (live/profile-changes.repository.ts). */
  | { k: 'profile'; id: string };

/** States after which an execution does not change: read whole (result, notification). */
const FINAL: ReadonlySet<ExecutionStatus> = new Set(FINAL_STATUSES);

interface Sub<T> {
  /** null = every task of the user. */
  taskId: string | null;
  queue: AsyncQueue<T>;
}

interface UserSubs {
  executions: Set<Sub<ExecutionRow>>;
  tasks: Set<Sub<TaskWithLast>>;
}

/** Cached Clerk profiles (auth/clerk.ts ClerkAuth). */
export interface ProfileCache {
  forgetProfile(clerkUserId: string): void;
  forgetAllProfiles(): void;
}

export type AccessListener = (event: Extract<LiveEvent, { k: 'user' | 'key' }>) => void;

export class LiveHub {
  readonly stats = { events: 0, delivered: 0, loads: 0 };
  readonly #users = new Map<string, UserSubs>();
  readonly #accessListeners = new Set<AccessListener>();
  readonly #resyncListeners = new Set<() => void>();
  readonly #profileCaches = new Set<ProfileCache>();
  #listener: Listener | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly queueLimit = 100,
  ) {}

  private get db(): Kysely<DB> {
    return this.database.db;
  }

  async start(): Promise<void> {
    this.#listener = await this.database.listen(LIVE_CHANNEL, {
      onMessage: (payload) => this.#receive(payload),
      onReconnect: () => {
        for (const c of this.#profileCaches) c.forgetAllProfiles();
        for (const l of this.#resyncListeners) l();
      },
    });
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
    for (const subs of this.#users.values()) {
      for (const s of [...subs.executions, ...subs.tasks]) void s.queue.return();
    }
    await this.#chain;
  }

  /** Subscribers held on this instance (metrics, tests). */
  get subscribers(): number {
    let n = 0;
    for (const subs of this.#users.values()) n += subs.executions.size + subs.tasks.size;
    return n;
  }

  executions(userId: string, taskId: string | null): AsyncQueue<ExecutionRow> {
    return this.#subscribe(userId, taskId, 'executions');
  }

  tasks(userId: string, taskId: string | null): AsyncQueue<TaskWithLast> {
    return this.#subscribe(userId, taskId, 'tasks');
  }

  /** Told of every change of a user's state or a key (whoever has connections here decides). */
  onAccessChange(listener: AccessListener): () => void {
    this.#accessListeners.add(listener);
    return () => this.#accessListeners.delete(listener);
  }

  /**
   * Keeps a profile cache fresh: told of every Clerk profile change announced by any instance
   * (the role may have changed), and to forget everything when notifications may have been missed.
   */
  keepFresh(cache: ProfileCache): () => void {
    this.#profileCaches.add(cache);
    return () => this.#profileCaches.delete(cache);
  }

  /** Told when notifications may have been missed (the listen connection was re-established). */
  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  #subscribe<K extends keyof UserSubs>(
    userId: string,
    taskId: string | null,
    kind: K,
  ): AsyncQueue<UserSubs[K] extends Set<Sub<infer T>> ? T : never> {
    let subs = this.#users.get(userId);
    if (!subs) {
      subs = { executions: new Set(), tasks: new Set() };
      this.#users.set(userId, subs);
    }
    const set = subs[kind] as Set<Sub<unknown>>;
    const sub: Sub<unknown> = {
      taskId,
      queue: new AsyncQueue(this.queueLimit, () => {
        set.delete(sub);
        const u = this.#users.get(userId);
        if (u && u.executions.size === 0 && u.tasks.size === 0) this.#users.delete(userId);
      }),
    };
    set.add(sub);
    return sub.queue as never;
  }

  #receive(payload: string): void {
    let event: LiveEvent;
    try {
      event = JSON.parse(payload) as LiveEvent;
    } catch {
      return;
    }
    this.stats.events++;
    if (event.k === 'user' || event.k === 'key') {
      for (const l of this.#accessListeners) l(event);
      return;
    }
    if (event.k === 'profile') {
      if (typeof event.id === 'string') for (const c of this.#profileCaches) c.forgetProfile(event.id);
      return;
    }
    if (!this.#users.has(event.user)) return; // nobody here is watching this user
    this.#chain = this.#chain
      .then(() => this.#deliver(event))
      .catch((err) => this.logger.warn({ err: { message: (err as Error).message } }, 'live update failed'));
  }

  async #deliver(event: Extract<LiveEvent, { k: 'execution' | 'task' }>): Promise<void> {
    const subs = this.#users.get(event.user);
    if (!subs) return;
    if (event.k === 'execution') {
      const wanted = [...subs.executions].filter((s) => s.taskId === null || s.taskId === event.task);
      if (wanted.length === 0) return;
      const row = FINAL.has(event.status) ? await this.#load(() => findExecution(this.db, event.id)) : fromEvent(event);
      if (row) this.#push(wanted, { ...row, status: event.status });
    } else {
      const wanted = [...subs.tasks].filter((s) => s.taskId === null || s.taskId === event.id);
      if (wanted.length === 0) return;
      const task = await this.#load(() => findTaskWithLast(this.db, event.id));
      if (task && task.user_id === event.user) this.#push(wanted, task);
    }
  }

  #load<T>(read: () => Promise<T>): Promise<T> {
    this.stats.loads++;
    return read();
  }

  #push<T>(subs: Sub<T>[], item: T): void {
    for (const s of subs) {
      s.queue.push(item);
      this.stats.delivered++;
    }
  }
}

/** The execution as of the announced state (its result is empty until it succeeds). */
function fromEvent(e: Extract<LiveEvent, { k: 'execution' }>): ExecutionRow {
  return {
    id: e.id,
    task_id: e.task,
    status: e.status,
    started_at: new Date(e.started_at),
    completed_at: e.completed_at ? new Date(e.completed_at) : null,
    result: null,
    error_message: e.error,
    notification: null,
    grounding_sources: [],
    created_at: new Date(e.created_at),
  };
}
