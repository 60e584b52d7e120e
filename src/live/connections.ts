// The live connections of this instance (WebSocket and SSE) and the credentials each
// came with. A connection ends when its credentials stop working — a key revoked or
// expired, a session token past its expiry, a user disabled — within seconds: the
// database announces key and user changes (hub.onAccessChange) and the affected
// connections authenticate again; a token's own expiry is a timer; once a minute every
// connection is checked again in case an announcement was missed.

import type { Authenticate, AuthRequest } from '../auth/authenticator.js';
import type { Viewer } from '../auth/viewer.js';
import type { Config } from '../config/config.js';
import { isAppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import type { LiveHub } from './hub.js';

/** Close codes of the live protocols (CONTRACT.md "Live updates"). */
export const CLOSE = {
  unauthorized: 4401,
  forbidden: 4403,
  tooMany: 4429,
  goingAway: 1001,
} as const;

export interface LiveConnection {
  readonly viewer: Viewer;
  readonly request: AuthRequest;
  /** Subscriptions currently open on it. */
  subscriptions: number;
  close(code: number, reason: string): void;
}

interface Entry {
  conn: LiveConnection;
  userId: string;
  expiry?: NodeJS.Timeout;
}

export type LiveLimits = Pick<Config['live'], 'connectionsPerUser' | 'subscriptionsPerConnection'>;

const userIdOf = (viewer: Viewer): string =>
  viewer.kind === 'anonymous' ? '' : (viewer.user?.id ?? `clerk:${viewer.clerkUserId}`);

/** When the credentials behind a viewer stop working on their own, if ever (ms since epoch). */
function expiryOf(viewer: Viewer): number | undefined {
  if (viewer.kind === 'clerk' && typeof viewer.claims.exp === 'number') return viewer.claims.exp * 1000;
  if (viewer.kind === 'api-key' && viewer.expiresAt) return viewer.expiresAt.getTime();
  return undefined;
}

export class LiveConnections {
  readonly #entries = new Set<Entry>();
  #sweep: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(
    /** Kept current for /metrics. */
    private readonly count: { connections: number },
    private readonly authenticate: Authenticate,
    private readonly limits: LiveLimits,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.#entries.size;
  }

  /** Starts watching credentials: announcements from the hub, and a minutely check of all. */
  watch(hub: LiveHub): () => void {
    const offAccess = hub.onAccessChange((e) => {
      const affected = [...this.#entries].filter((x) =>
        e.k === 'user' ? x.userId === e.id : x.conn.viewer.kind === 'api-key' && x.conn.viewer.apiKeyId === e.id,
      );
      for (const x of affected) void this.#recheck(x);
    });
    const offResync = hub.onResync(() => this.recheckAll());
    this.#sweep = setInterval(() => this.recheckAll(), 60_000);
    this.#sweep.unref();
    return () => {
      offAccess();
      offResync();
      clearInterval(this.#sweep);
    };
  }

  /** Registers an authenticated connection; false (and closed 4429) over the per-user limit. */
  add(conn: LiveConnection): (() => void) | undefined {
    if (this.#closing) {
      conn.close(CLOSE.goingAway, 'Server shutting down');
      return undefined;
    }
    const userId = userIdOf(conn.viewer);
    let open = 0;
    for (const x of this.#entries) if (x.userId === userId) open++;
    if (open >= this.limits.connectionsPerUser) {
      conn.close(CLOSE.tooMany, `Too many live connections (at most ${this.limits.connectionsPerUser} per user)`);
      return undefined;
    }
    const entry: Entry = { conn, userId };
    this.#arm(entry, conn.viewer);
    this.#entries.add(entry);
    this.count.connections = this.#entries.size;
    return () => {
      clearTimeout(entry.expiry);
      this.#entries.delete(entry);
      this.count.connections = this.#entries.size;
    };
  }

  /** May this connection open one more subscription? (Closes it 4429 when not.) */
  allowSubscription(conn: LiveConnection): boolean {
    if (conn.subscriptions < this.limits.subscriptionsPerConnection) return true;
    conn.close(
      CLOSE.tooMany,
      `Too many subscriptions (at most ${this.limits.subscriptionsPerConnection} per connection)`,
    );
    return false;
  }

  recheckAll(): void {
    for (const x of this.#entries) void this.#recheck(x);
  }

  /** Shutdown: every client is told to go elsewhere (1001) and new ones are turned away. */
  closeAll(): void {
    this.#closing = true;
    for (const x of this.#entries) x.conn.close(CLOSE.goingAway, 'Server shutting down');
  }

  /** Closes the connection when its credentials end on their own (an expiry, a rotation's grace). */
  #arm(entry: Entry, viewer: Viewer): void {
    clearTimeout(entry.expiry);
    entry.expiry = undefined;
    const expiresAt = expiryOf(viewer);
    if (expiresAt === undefined) return;
    // Timers cannot wait longer than ~24.8 days; the minutely check covers the rest.
    const wait = Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1);
    entry.expiry = setTimeout(() => entry.conn.close(CLOSE.forbidden, 'Credentials expired'), wait);
    entry.expiry.unref();
  }

  async #recheck(entry: Entry): Promise<void> {
    try {
      // A key rotated since the connection opened now has an end: watch for it.
      const viewer = await this.authenticate(entry.conn.request);
      if (this.#entries.has(entry)) this.#arm(entry, viewer);
    } catch (err) {
      // A refusal of the credentials ends the connection; an outage (503) does not.
      if (isAppError(err) && (err.status === 401 || err.status === 403)) {
        entry.conn.close(CLOSE.forbidden, typeof err.detail === 'string' ? err.detail : 'Forbidden');
      } else {
        this.logger.warn({ err: { message: (err as Error).message } }, 'live connection could not be re-checked');
      }
    }
  }
}
