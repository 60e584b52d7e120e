// SQL the importer runs on the gateway's database: its columns, which rows of a batch exist
// already and how they differ, batch inserts (on conflict: nothing, or an update when forced),
// and the links and schedules set once every row is in. Rows travel as one JSON array per
// batch, turned into the table's own row type by jsonb_populate_recordset, so each batch is
// one statement whatever its size. Table and column names come from the importer's steps
// (constants), never from input.
import { type Kysely, sql } from 'kysely';
import type { DB, Db } from '../db/types.js';
import { LIVE_STATUSES } from '../tasks/task-states.js';

export type Row = Record<string, unknown>;

const cols = (names: readonly string[]) => sql.join(names.map((c) => sql.ref(c)));
const prefixed = (alias: string, names: readonly string[]) => sql.join(names.map((c) => sql.ref(`${alias}.${c}`)));
const rowsOf = (table: string, rows: readonly Row[]) =>
  sql`jsonb_populate_recordset(null::${sql.table(table)}, ${JSON.stringify(rows)}::jsonb)`;

/** Columns of each table of the gateway's schema. */
export async function gatewayColumns(db: Db): Promise<Map<string, Set<string>>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema()`.execute(db);
  const out = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!out.has(r.table_name)) out.set(r.table_name, new Set());
    out.get(r.table_name)?.add(r.column_name);
  }
  return out;
}

/** Keys among `keys` (UUIDs) that the table holds. */
export async function existingKeys(db: Db, table: string, key: string, keys: readonly string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ k: string }>`
    select ${sql.ref(key)}::text as k from ${sql.table(table)} where ${sql.ref(key)} = any(${keys}::uuid[])`.execute(
    db,
  );
  return rows.map((r) => r.k);
}

/**
 * For the rows of `rows` whose key the table holds: the compared columns that differ. A key
 * absent from the answer is a row the table does not hold.
 */
export async function differences(
  db: Db,
  table: string,
  key: string,
  compare: readonly string[],
  rows: readonly Row[],
): Promise<Map<string, string[]>> {
  if (rows.length === 0) return new Map();
  const checks = compare.map((c) => sql`case when s.${sql.ref(c)} is distinct from t.${sql.ref(c)} then ${c} end`);
  const { rows: found } = await sql<{ k: string; differs: string[] }>`
    select t.${sql.ref(key)}::text as k, array_remove(array[${sql.join(checks)}]::text[], null) as differs
    from ${rowsOf(table, rows)} s join ${sql.table(table)} t on t.${sql.ref(key)} = s.${sql.ref(key)}`.execute(db);
  return new Map(found.map((r) => [r.k, r.differs]));
}

/**
 * Inserts the rows; a row whose key exists is left as it is, or (force) updated to the given
 * values. Returns the keys inserted and updated. One statement: a unique or foreign-key
 * violation fails the whole batch (the caller then writes row by row).
 */
export async function insertRows(
  db: Db,
  table: string,
  key: string,
  columns: readonly string[],
  rows: readonly Row[],
  force: boolean,
): Promise<{ inserted: string[]; updated: string[] }> {
  if (rows.length === 0) return { inserted: [], updated: [] };
  const rest = columns.filter((c) => c !== key);
  const onConflict =
    force && rest.length > 0
      ? sql`do update set ${sql.join(rest.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}
          where (${prefixed('t', rest)}) is distinct from (${prefixed('excluded', rest)})`
      : sql`do nothing`;
  const { rows: done } = await sql<{ k: string; inserted: boolean }>`
    insert into ${sql.table(table)} as t (${cols(columns)})
    select ${cols(columns)} from ${rowsOf(table, rows)}
    on conflict (${sql.ref(key)}) ${onConflict}
    returning t.${sql.ref(key)}::text as k, (xmax = 0) as inserted`.execute(db);
  return {
    inserted: done.filter((r) => r.inserted).map((r) => r.k),
    updated: done.filter((r) => !r.inserted).map((r) => r.k),
  };
}

/** Gateway users holding these Clerk ids. */
export async function usersByClerkIds(db: Db, clerkIds: readonly string[]) {
  if (clerkIds.length === 0) return [];
  const { rows } = await sql<{ id: string; clerk_user_id: string }>`
    select id, clerk_user_id from users where clerk_user_id = any(${clerkIds}::text[])`.execute(db);
  return rows;
}

/**
 * Sets a task's fork parent and last execution where the gateway has none yet (a run the
 * gateway made since is not overwritten), keeping the task's updated_at (the link is not an
 * edit: the updated_at trigger ignores a statement that changes only updated_at). Returns how
 * many tasks changed.
 */
export async function setTaskLinks(
  db: Kysely<DB>,
  links: readonly { id: string; forked_from_task_id: string | null; last_execution_id: string | null }[],
): Promise<number> {
  if (links.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; updated_at: string }>`
      update tasks t set
        forked_from_task_id = coalesce(t.forked_from_task_id, s.forked_from_task_id),
        last_execution_id = coalesce(t.last_execution_id, s.last_execution_id)
      from jsonb_to_recordset(${JSON.stringify(links)}::jsonb)
        as s(id uuid, forked_from_task_id uuid, last_execution_id uuid),
        (select id, updated_at from tasks where id = any(${links.map((l) => l.id)}::uuid[])) as before
      where t.id = s.id and before.id = t.id
        and ((t.forked_from_task_id is null and s.forked_from_task_id is not null)
          or (t.last_execution_id is null and s.last_execution_id is not null))
      returning t.id, before.updated_at::text as updated_at`.execute(trx);
    if (rows.length > 0) {
      await sql`update tasks t set updated_at = s.updated_at
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as s(id uuid, updated_at timestamptz)
        where t.id = s.id and t.updated_at is distinct from s.updated_at`.execute(trx);
    }
    return rows.length;
  });
}

/** Active imported tasks without a schedule or a live run start at their next_run (now when unset). */
export async function scheduleImported(db: Db, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await sql`
    update tasks t set next_dispatch_at = coalesce(t.next_run, now())
    where t.id = any(${ids}::uuid[]) and t.state = 'active' and t.next_dispatch_at is null
      and not exists (select 1 from task_executions e
                      where e.task_id = t.id and e.status in (${sql.join(LIVE_STATUSES.map((s) => sql.lit(s)))}))`.execute(
    db,
  );
  return Number(r.numAffectedRows ?? 0);
}

/** Every row of a small table (templates). */
export async function allRows(db: Db, table: string, columns: readonly string[]): Promise<Row[]> {
  const { rows } = await sql<Row>`select ${cols(columns)} from ${sql.table(table)}`.execute(db);
  return rows;
}
