// Connections for libraries that bring their own SQL (pg-boss): run their statements in
// our Kysely transaction, and serialise their set-up across instances with a session lock.
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import type { Db } from './types.js';

/** pg-boss's `db` option: its statements run on this connection or transaction. */
export const sqlExecutorOf = (db: Db) => ({
  executeSql: async (text: string, values?: unknown[]) => ({
    rows: (await db.executeQuery(CompiledQuery.raw(text, values ?? []))).rows,
  }),
});

/** Runs `fn` while holding a PostgreSQL session advisory lock named `name` on `url`. */
export async function withAdvisoryLock<T>(url: string, name: string, fn: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'torale-gateway-setup' });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [name]);
    return await fn();
  } finally {
    await client.end();
  }
}
