// Hot queries compiled once: building and compiling a Kysely query costs more than the
// round trip of a primary-key SELECT, so per-request queries reuse the compiled SQL text
// and only swap in their parameters.
import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import type { DB } from './types.js';

const MARK = '\u0000arg:';

export function prepared<R, A extends string[]>(build: (db: Kysely<DB>, ...args: A) => Compilable<R>) {
  const cache = new WeakMap<Kysely<DB>, CompiledQuery<R>>();
  return (db: Kysely<DB>, ...args: A): CompiledQuery<R> => {
    let compiled = cache.get(db);
    if (!compiled) {
      compiled = build(db, ...(args.map((_, i) => `${MARK}${i}`) as A)).compile();
      cache.set(db, compiled);
    }
    const params = compiled.parameters.map((p) =>
      typeof p === 'string' && p.startsWith(MARK) ? args[Number(p.slice(MARK.length))] : p,
    );
    return CompiledQuery.raw(compiled.sql, params) as CompiledQuery<R>;
  };
}
