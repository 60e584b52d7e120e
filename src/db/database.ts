// Opens the database: Kysely over a node-postgres Pool — to PostgreSQL at DATABASE_URL, or,
// when none is configured (local development and the test fallback), to an embedded PGlite
// database served on a loopback port, so both run the same code (engine and LISTEN included).
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/config.js';
import type { Logger } from '../lib/logger.js';
import { withTimeout } from '../lib/timeout.js';
import { type Listener, type ListenHandlers, listenPostgres } from './listener.js';
import { openPGlite } from './pglite.js';
import { servePGlite } from './pglite-server.js';
import { registerNamedExecutor } from './prepared.js';
import type { DB } from './types.js';

export interface DatabaseStats {
  /** SQL statements sent to the database since start (benchmarks and N+1 tests read it). */
  queries: number;
}

export interface Database {
  readonly db: Kysely<DB>;
  /** Where it is served: the PostgreSQL URL, or the loopback address of the embedded database. */
  readonly url: string;
  readonly kind: 'postgres' | 'pglite';
  readonly stats: DatabaseStats;
  /** `select 1` bounded by timeoutMs; rejects when the database does not answer. */
  ping(timeoutMs: number): Promise<void>;
  /** Pool gauges for /metrics. */
  poolState(): { total: number; idle: number; waiting: number };
  /** Notifications on `channel` (LISTEN), on a connection of their own. */
  listen(channel: string, handlers: ListenHandlers): Promise<Listener>;
  close(): Promise<void>;
}

type DatabaseSettings = Config['database'];

/** The database settings (url undefined = PGlite; pgliteDir 'memory://' = a throwaway one); unset ones take pg's defaults. */
export type DatabaseOptions = Pick<DatabaseSettings, 'url'> &
  Partial<Pick<DatabaseSettings, 'pgliteDir' | 'poolSize' | 'connectTimeoutMs' | 'statementTimeoutMs'>> & {
    logger: Logger;
  };

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) return openPostgres(opts.url, 'postgres', opts);
  // Embedded: PGlite served over the wire protocol on loopback, reached like any server.
  const pglite = await openPGlite(opts.pgliteDir ?? '.data/pglite');
  const server = await servePGlite(pglite, opts.logger);
  const database = await openPostgres(server.url, 'pglite', opts);
  return {
    ...database,
    async close() {
      await database.close();
      await server.close();
      await pglite.close();
    },
  };
}

async function openPostgres(url: string, kind: Database['kind'], opts: DatabaseOptions): Promise<Database> {
  const stats: DatabaseStats = { queries: 0 };
  const log = () => {
    stats.queries++;
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.statementTimeoutMs ?? 15_000,
    idle_in_transaction_session_timeout: 60_000,
    keepAlive: true,
    application_name: 'torale-gateway',
  });
  // Without these listeners a PostgreSQL restart emits 'error' on idle or checked-out
  // clients, which would crash the process. The failing query itself still rejects.
  pool.on('error', (err) => opts.logger.warn({ err: { message: err.message } }, 'idle database client error'));
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger.warn({ err: { message: err.message } }, 'database client error'));
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log });
  registerNamedExecutor(db, async (name, text, values) => {
    stats.queries++;
    return (await pool.query({ name, text, values: [...values] })).rows;
  });
  return {
    db,
    url,
    kind,
    stats,
    ping: (timeoutMs) => pingWithTimeout(db, timeoutMs),
    poolState: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    listen: async (channel, handlers) => listenPostgres(url, channel, handlers, opts.logger),
    close: () => db.destroy(),
  };
}

async function pingWithTimeout(db: Kysely<DB>, timeoutMs: number): Promise<void> {
  await withTimeout(sql`select 1`.execute(db), timeoutMs, `database did not answer within ${timeoutMs} ms`);
}
