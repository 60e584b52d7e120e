// Databases of a run: each suite gets a fresh one on the bench server, migrated by the
// gateway's own migrator, and dropped at the end.
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';

export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs statements on one connection (in order), returning the last result's rows. */
export async function query<T = Record<string, unknown>>(url: string, ...texts: string[]): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    let rows: T[] = [];
    for (const text of texts) rows = (await c.query(text)).rows as T[];
    return rows;
  } finally {
    await c.end();
  }
}

export interface BenchDb {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(label: string): Promise<BenchDb> {
  const name = `torale_bench_${label}_${Date.now().toString(36)}`;
  await query(SERVER_URL, `create database ${name}`);
  const url = withDb(SERVER_URL, name);
  const database = await openDatabase({ url, logger: createLogger('silent') });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return {
    name,
    url,
    drop: async () => {
      await query(SERVER_URL, `drop database if exists ${name} with (force)`).catch(() => {});
    },
  };
}
