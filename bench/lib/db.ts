// Databases of a run: each suite gets a fresh one on the bench server, migrated by the
// gateway's own migrator, and dropped at the end — or on Ctrl-C (dropAllDatabases), or by the
// next run when this one was killed outright (the bench's pid is in the name; a database whose
// bench process is gone is dropped by sweepLeftovers).
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogger } from '../../src/lib/logger.js';
import { log } from './procs.js';

export const SERVER_URL =
  process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = 'torale_bench_';

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

const live = new Set<string>();
const dropDb = (name: string) =>
  query(SERVER_URL, `drop database if exists ${name} with (force)`).then(
    () => void live.delete(name),
    (err) => log(`could not drop ${name}: ${(err as Error).message}`),
  );

export async function createDatabase(label: string): Promise<BenchDb> {
  const name = `${PREFIX}${label}_p${process.pid}_${Date.now().toString(36)}`;
  live.add(name);
  await query(SERVER_URL, `create database ${name}`);
  const url = withDb(SERVER_URL, name);
  const database = await openDatabase({ url, logger: createLogger('silent') });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return { name, url, drop: () => dropDb(name) };
}

/** Every database this run created and has not dropped yet (an interrupted run). */
export async function dropAllDatabases(): Promise<void> {
  await Promise.all([...live].map(dropDb));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Databases of earlier bench runs on this machine whose process no longer exists. */
export async function sweepLeftovers(): Promise<void> {
  const rows = await query<{ datname: string }>(
    SERVER_URL,
    `select datname from pg_database where datname like '${PREFIX}%'`,
  );
  for (const { datname } of rows) {
    const pid = Number(/_p(\d+)_[0-9a-z]+$/.exec(datname)?.[1]);
    if (pid && !alive(pid)) {
      log(`dropping ${datname}, left by bench process ${pid} that is gone`);
      await dropDb(datname);
    }
  }
}
