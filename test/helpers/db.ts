// One database per test file: a clone of the migrated template on the PostgreSQL
// server, or a migrated in-memory PGlite when no server answers.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { adminQuery, withDatabase } from './pg-admin.js';

export interface TestDatabase {
  /** PostgreSQL URL of this file's database; undefined on PGlite. */
  url: string | undefined;
  /** Opens another connection pool on the same database (e.g. for a second gateway). */
  open(): Promise<Database>;
  /** A pool owned by the harness, for assertions. */
  database: Database;
  drop(): Promise<void>;
}

/**
 * The same test database reached another way: through a TCP proxy (outage tests) and/or
 * with other pool settings (timeouts). `open()` then returns pools built that way.
 */
export function reachedVia(
  tdb: TestDatabase,
  opts: { port?: number; connectTimeoutMs?: number; statementTimeoutMs?: number },
): TestDatabase {
  const url = new URL(tdb.url as string);
  if (opts.port) {
    url.hostname = '127.0.0.1';
    url.port = String(opts.port);
  }
  return {
    ...tdb,
    open: () =>
      openDatabase({
        url: url.toString(),
        logger: createLogger('silent'),
        connectTimeoutMs: opts.connectTimeoutMs,
        statementTimeoutMs: opts.statementTimeoutMs,
      }),
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const logger = createLogger('silent');
  const tpl = inject('pgTemplate');
  if (!tpl) {
    const database = await openDatabase({ url: undefined, pgliteDir: 'memory://', logger });
    await migrateToLatest(database.db);
    return {
      url: undefined,
      database,
      // PGlite is one session in one process: everything shares the harness instance.
      open: async () => ({ ...database, close: async () => {} }),
      drop: () => database.close(),
    };
  }
  const name = `torale_t_${tpl.runId}_${randomBytes(4).toString('hex')}`;
  await adminQuery(tpl.serverUrl, `create database ${name} template ${tpl.template}`);
  const url = withDatabase(tpl.serverUrl, name);
  const database = await openDatabase({ url, logger });
  return {
    url,
    database,
    open: () => openDatabase({ url, logger }),
    drop: async () => {
      await database.close();
      await adminQuery(tpl.serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
    },
  };
}
