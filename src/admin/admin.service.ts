// The admin console's rules. Admin = a Clerk session whose user's public_metadata.role is
// "admin" (the profile the gateway already reads, auth/clerk.ts). API keys are never admin,
// whatever their scopes; nor is the no-auth dev user. Every admin action goes through
// `record()`, which writes the audit log (who, what, whom, when).
import type { Kysely } from 'kysely';
import type { ClerkAuth } from '../auth/clerk.js';
import { requireUser, type Viewer } from '../auth/viewer.js';
import type { AdminAuditRow, DB, UserRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { decodeCursor, encodeCursor, part } from '../lib/cursor.js';
import type { Logger } from '../lib/logger.js';
import type { SecurityLog } from '../security/security-log.js';
import {
  type AdminUserRow,
  type AuditEntry,
  countActiveUsers,
  insertAuditEntry,
  listAuditEntries,
  listUsersWithCounts,
} from './admin.repository.js';
import { createAdminUserActions } from './admin-users.js';

export const ADMIN_ROLE = 'admin';

export interface AdminServiceDeps {
  db: Kysely<DB>;
  clerk: ClerkAuth;
  logger: Logger;
  /** The platform's capacity (MAX_USERS), shown beside the user list. */
  maxUsers: number;
  /** The affected user's security log. */
  events: SecurityLog;
}

export type AdminService = ReturnType<typeof createAdminService>;

export interface AdminUser extends AdminUserRow {
  role: string | null;
}

const auditCursorOf = (e: AdminAuditRow) => encodeCursor(['al', e.created_at.toISOString(), e.id]);

export function createAdminService({ db, clerk, logger, maxUsers, events }: AdminServiceDeps) {
  /**
   * The one admin guard (REST and GraphQL): 401 without credentials, 403 "Admin access
   * required" for an API key, the dev user or a session whose role is not admin; the
   * admin's synced user row otherwise.
   */
  async function requireAdmin(viewer: Viewer): Promise<UserRow> {
    if (viewer.kind === 'anonymous') throw Errors.authorizationMissing();
    if (viewer.kind !== 'clerk') throw Errors.adminRequired();
    // From the Backend API when it can be asked (its cached copy is forgotten on every instance
    // when the role changes), not from the token's claims, which keep a demoted admin's old
    // role until the token expires.
    const { role } = await clerk.profile(viewer.clerkUserId, clerk.canLookUp ? undefined : viewer.claims);
    if (role !== ADMIN_ROLE) throw Errors.adminRequired();
    return requireUser(viewer);
  }

  return {
    requireAdmin,
    ...createAdminUserActions({ db, clerk, events, requireAdmin }),

    /** Writes one admin action to the audit log; every admin action calls it. */
    async record(admin: UserRow, entry: Omit<AuditEntry, 'adminUserId'>): Promise<AdminAuditRow> {
      return insertAuditEntry(db, { ...entry, adminUserId: admin.id });
    },

    /** A page of users (newest first) with their counts and Clerk roles, and the platform's capacity. */
    async users(viewer: Viewer, q: { limit: number; offset: number }) {
      await requireAdmin(viewer);
      const [rows, active] = await Promise.all([listUsersWithCounts(db, q), countActiveUsers(db)]);
      const warnings: string[] = [];
      let roles = new Map<string, string | null>();
      try {
        // One Backend API call for the page (Torale pages through every Clerk user instead).
        roles = await clerk.rolesOf(rows.map((r) => r.clerk_user_id));
      } catch (err) {
        logger.error({ err: { message: (err as Error).message } }, 'Clerk role lookup for the admin user list failed');
        warnings.push('Clerk role fetch failed. Roles may be incomplete.');
      }
      const users: AdminUser[] = rows.map((r) => ({ ...r, role: roles.get(r.clerk_user_id) ?? null }));
      return {
        users,
        capacity: { used: active, total: maxUsers, available: maxUsers - active },
        warnings,
      };
    },

    /** The audit log, newest first; the cursor names the last entry shown. */
    async auditLog(viewer: Viewer, q: { limit: number; cursor?: string | undefined }) {
      await requireAdmin(viewer);
      const after = q.cursor
        ? decodeCursor(q.cursor, (p) => p.length === 3 && p[0] === 'al' && part.time(p[1]) && part.uuid(p[2]))
        : undefined;
      const rows = await listAuditEntries(db, {
        limit: q.limit + 1,
        after: after ? { createdAt: after[1] as string, id: after[2] as string } : undefined,
      });
      const entries = rows.slice(0, q.limit);
      const last = entries.at(-1);
      return { entries, nextCursor: rows.length > q.limit && last ? auditCursorOf(last) : null };
    },

    auditCursorOf,
  };
}
