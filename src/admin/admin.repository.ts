// SQL for the admin console: the audit log and the user list, nothing else.
import { sql } from 'kysely';
import type { AdminAuditRow, Db } from '../db/types.js';

export interface AuditEntry {
  adminUserId: string;
  action: string;
  targetUserId?: string | null;
  targetTaskId?: string | null;
  details?: Record<string, unknown>;
}

export async function insertAuditEntry(db: Db, e: AuditEntry): Promise<AdminAuditRow> {
  return db
    .insertInto('admin_audit_log')
    .values({
      admin_user_id: e.adminUserId,
      action: e.action,
      target_user_id: e.targetUserId ?? null,
      target_task_id: e.targetTaskId ?? null,
      details: JSON.stringify(e.details ?? {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Newest first, keyset-paged after the entry (created_at, id) of the cursor; `limit` rows. */
export async function listAuditEntries(
  db: Db,
  q: { limit: number; after?: { createdAt: string; id: string } },
): Promise<AdminAuditRow[]> {
  let query = db.selectFrom('admin_audit_log').selectAll();
  if (q.after) {
    const { createdAt, id } = q.after;
    query = query.where(sql<boolean>`(created_at, id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
}

export interface AdminUserRow {
  id: string;
  email: string | null;
  clerk_user_id: string;
  is_active: boolean;
  created_at: Date;
  task_count: number;
  total_executions: number;
  notifications_count: number;
}

/**
 * A page of users, newest first, each with its task and execution counts: one statement,
 * the page chosen first and each of its users counted through the owner indexes (not a
 * GROUP BY over every task and execution of the platform, as Torale's is).
 */
export async function listUsersWithCounts(db: Db, q: { limit: number; offset: number }): Promise<AdminUserRow[]> {
  const { rows } = await sql<AdminUserRow>`
    with page as (
      select id, email, clerk_user_id, is_active, created_at from users
      order by created_at desc, id desc limit ${q.limit} offset ${q.offset}
    )
    select p.*, t.task_count, e.total_executions, e.notifications_count
    from page p
    cross join lateral (select count(*)::int as task_count from tasks where user_id = p.id) t
    cross join lateral (
      select count(*)::int as total_executions, count(notification)::int as notifications_count
      from tasks pt join task_executions x on x.task_id = pt.id where pt.user_id = p.id
    ) e
    order by p.created_at desc, p.id desc`.execute(db);
  return rows;
}

export async function countActiveUsers(db: Db): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from users where is_active`.execute(db);
  return rows[0]?.n ?? 0;
}

export interface TargetUser {
  id: string;
  clerk_user_id: string;
  is_active: boolean;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The users of these ids that exist (an id that is not a UUID names nobody). */
export async function findUsersByIds(db: Db, ids: readonly string[]): Promise<TargetUser[]> {
  const uuids = ids.filter((id) => UUID_RE.test(id));
  if (uuids.length === 0) return [];
  return db.selectFrom('users').select(['id', 'clerk_user_id', 'is_active']).where('id', 'in', uuids).execute();
}

/** Who disabled the user now (the admin's deactivation or reactivation; clerk_user_state locked first). */
export async function setDisabledBy(db: Db, clerkUserId: string, disabledBy: 'admin' | 'deleted' | 'clerk' | null) {
  await db
    .updateTable('clerk_user_state')
    .set({ disabled_by: disabledBy })
    .where('clerk_user_id', '=', clerkUserId)
    .execute();
}

/** Active tasks of a user: what stops running while the account is disabled. */
export async function countActiveTasks(db: Db, userId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from tasks where user_id = ${userId} and state = 'active'`.execute(db);
  return rows[0]?.n ?? 0;
}
