// SQL for the waitlist, nothing else.
import { sql } from 'kysely';
import type { Db, WaitlistRow } from '../db/types.js';
import type { WaitlistStatus } from './waitlist-statuses.js';

/**
 * Adds the address unless it is on the list in any case (the unique index decides, so
 * concurrent sign-ups of one address make one row). Undefined when it was there already.
 */
export async function insertEntry(db: Db, email: string): Promise<WaitlistRow | undefined> {
  const { rows } = await sql<WaitlistRow>`
    insert into waitlist (email) values (${email})
    on conflict ((lower(email))) do nothing
    returning *`.execute(db);
  return rows[0];
}

/** Pending entries that signed up before this one, plus one: its place in the queue. */
export async function positionOf(db: Db, entry: Pick<WaitlistRow, 'id' | 'created_at'>): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int + 1 as n from waitlist
    where status = 'pending' and (created_at, id) < (${entry.created_at}, ${entry.id}::uuid)`.execute(db);
  return rows[0]?.n ?? 1;
}

/** In sign-up order, optionally of one status; `limit` rows from `offset`. */
export async function listEntries(
  db: Db,
  q: { status?: WaitlistStatus; limit: number; offset: number },
): Promise<WaitlistRow[]> {
  let query = db.selectFrom('waitlist').selectAll();
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  return query.orderBy('created_at').orderBy('id').limit(q.limit).offset(q.offset).execute();
}

export async function countByStatus(db: Db): Promise<Record<WaitlistStatus | 'total', number>> {
  const { rows } = await sql<Record<WaitlistStatus | 'total', number>>`
    select count(*) filter (where status = 'pending')::int as pending,
           count(*) filter (where status = 'invited')::int as invited,
           count(*) filter (where status = 'converted')::int as converted,
           count(*)::int as total
    from waitlist`.execute(db);
  return rows[0] ?? { pending: 0, invited: 0, converted: 0, total: 0 };
}

/**
 * Sets the status and/or notes; becoming `invited` stamps invited_at (again on a second
 * invitation, as Torale does). Returns the entry as it is now, or undefined when there is none.
 */
export async function updateEntry(
  db: Db,
  id: string,
  patch: { status?: WaitlistStatus; notes?: string },
): Promise<WaitlistRow | undefined> {
  return db
    .updateTable('waitlist')
    .set({
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.status === 'invited' && { invited_at: sql<Date>`now()` }),
      ...(patch.notes !== undefined && { notes: patch.notes }),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export async function deleteEntry(db: Db, id: string): Promise<WaitlistRow | undefined> {
  return db.deleteFrom('waitlist').where('id', '=', id).returningAll().executeTakeFirst();
}
