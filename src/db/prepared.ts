// Hot queries, prepared twice over: compiled once by Kysely (building a query costs more
// than the round trip of a primary-key SELECT), and run as named server-side prepared
// statements on PostgreSQL, so each connection parses and plans them once.
// (Behind a transaction-pooling PgBouncer, named statements need its prepared-statement support.)
import { createHash } from 'node:crypto';
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './types.js';

const MARK = '\u0000arg:';

/** Runs a named statement; registered by the database layer for pools that support it. */
export type NamedExecutor = (name: string, sql: string, params: readonly unknown[]) => Promise<unknown[]>;
const executors = new WeakMap<Kysely<DB>, NamedExecutor>();

export function registerNamedExecutor(db: Kysely<DB>, run: NamedExecutor): void {
  executors.set(db, run);
}

/**
 * `build` is called once, with a marker in place of each argument, so an argument must only
 * ever become a bound value of the statement (never steer which SQL is built).
 */
export function prepared<R, A extends unknown[]>(build: (db: Kysely<DB>, ...args: A) => Compilable<R>) {
  const cache = new WeakMap<Kysely<DB>, { query: CompiledQuery<R>; name: string }>();
  return async (db: Kysely<DB>, ...args: A): Promise<R[]> => {
    let entry = cache.get(db);
    if (!entry) {
      const query = build(db, ...(args.map((_, i) => `${MARK}${i}`) as unknown as A)).compile();
      entry = { query, name: `torale_${createHash('sha1').update(query.sql).digest('hex').slice(0, 16)}` };
      cache.set(db, entry);
    }
    const params = entry.query.parameters.map((p) =>
      typeof p === 'string' && p.startsWith(MARK) ? args[Number(p.slice(MARK.length))] : p,
    );
    const named = executors.get(db);
    if (named) return (await named(entry.name, entry.query.sql, params)) as R[];
    return (await db.executeQuery(CompiledQuery.raw(entry.query.sql, params) as CompiledQuery<R>)).rows;
  };
}
