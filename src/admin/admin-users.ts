// What an admin does to users: set roles (in Clerk, seen by every instance at once) and
// deactivate or reactivate accounts through the disabled-user path the Clerk webhooks use
// (is_active: keys, sessions and the live channel refuse at once on every instance; the
// dispatcher starts no run of a disabled owner). Each action is in the audit log (who,
// what, whom) and in the affected user's security log (what, not who).
import type { Kysely } from 'kysely';
import type { ClerkAuth } from '../auth/clerk.js';
import type { Viewer } from '../auth/viewer.js';
import type { DB, UserRow } from '../db/types.js';
import { Errors, isAppError } from '../errors.js';
import { announceProfileChange } from '../live/profile-changes.repository.js';
import type { SecurityLog } from '../security/security-log.js';
import { lockClerkState, setUserActive } from '../users/users.repository.js';
import {
  type AuditEntry,
  countActiveTasks,
  findUsersByIds,
  insertAuditEntry,
  setDisabledBy,
  type TargetUser,
} from './admin.repository.js';

export const USER_NOT_FOUND = 'User not found';
export const OWN_ROLE = 'You cannot change your own role';
export const OWN_ACCOUNT = 'You cannot deactivate your own account';
export const DELETED_USER = 'User was deleted in Clerk and cannot be reactivated';
/** Role updates sent to Clerk at once in a bulk change. */
const CLERK_CONCURRENCY = 5;

export interface AdminUserActionsDeps {
  db: Kysely<DB>;
  clerk: ClerkAuth;
  events: SecurityLog;
  requireAdmin(viewer: Viewer): Promise<UserRow>;
}

const roleDetail = (role: string | null) => (role ? `role set to ${role}` : 'role removed');

export function createAdminUserActions({ db, clerk, events, requireAdmin }: AdminUserActionsDeps) {
  const audit = (admin: UserRow, e: Omit<AuditEntry, 'adminUserId'>) =>
    insertAuditEntry(db, { ...e, adminUserId: admin.id });

  async function target(userId: string): Promise<TargetUser> {
    const [user] = await findUsersByIds(db, [userId]);
    if (!user) throw Errors.notFound(USER_NOT_FOUND);
    return user;
  }

  /** Clerk first (the source of roles), then every instance forgets the cached profile, then the logs. */
  async function applyRole(admin: UserRow, user: TargetUser, role: string | null): Promise<void> {
    await clerk.setRole(user.clerk_user_id, role);
    await announceProfileChange(db, clerk, user.clerk_user_id);
    await audit(admin, { action: 'user.role_changed', targetUserId: user.id, details: { role } });
    await events.record({ userId: user.id, type: 'user.role_changed', detail: roleDetail(role) });
  }

  return {
    async setRole(viewer: Viewer, userId: string, role: string | null) {
      const admin = await requireAdmin(viewer);
      const user = await target(userId);
      if (user.id === admin.id) throw Errors.badRequest(OWN_ROLE);
      await applyRole(admin, user, role);
      return { status: 'updated' as const, user_id: user.id, role };
    },

    /** Torale's bulk change: each user apart, failures listed (unknown, oneself, Clerk refused). */
    async setRoles(viewer: Viewer, userIds: readonly string[], role: string | null) {
      const admin = await requireAdmin(viewer);
      const unique = [...new Set(userIds)];
      const found = new Map((await findUsersByIds(db, unique)).map((u) => [u.id, u]));
      const errors: { user_id: string; error: string }[] = [];
      const todo: TargetUser[] = [];
      for (const id of unique) {
        const user = found.get(id);
        if (!user) errors.push({ user_id: id, error: USER_NOT_FOUND });
        else if (user.id === admin.id) errors.push({ user_id: id, error: 'Cannot change own role' });
        else todo.push(user);
      }
      let updated = 0;
      for (let i = 0; i < todo.length; i += CLERK_CONCURRENCY) {
        const batch = todo.slice(i, i + CLERK_CONCURRENCY);
        const results = await Promise.allSettled(batch.map((u) => applyRole(admin, u, role)));
        results.forEach((r, j) => {
          if (r.status === 'fulfilled') updated++;
          else {
            const error = isAppError(r.reason) ? String(r.reason.detail) : 'Role update failed';
            errors.push({ user_id: (batch[j] as TargetUser).id, error });
          }
        });
      }
      return { updated, failed: errors.length, errors };
    },

    async deactivate(viewer: Viewer, userId: string) {
      const admin = await requireAdmin(viewer);
      const user = await target(userId);
      if (user.id === admin.id) throw Errors.badRequest(OWN_ACCOUNT);
      const changed = await db.transaction().execute(async (trx) => {
        // The same lock the Clerk webhooks take: a delivery for this user waits, then sees 'admin'.
        const state = await lockClerkState(trx, user.clerk_user_id);
        const row = await setUserActive(trx, user.clerk_user_id, false);
        await setDisabledBy(trx, user.clerk_user_id, state.disabled_by === 'deleted' ? 'deleted' : 'admin');
        await insertAuditEntry(trx, {
          adminUserId: admin.id,
          action: 'user.deactivated',
          targetUserId: user.id,
          details: { was_active: row !== undefined },
        });
        return row !== undefined;
      });
      if (changed) {
        await events.record({ userId: user.id, type: 'user.disabled', detail: 'deactivated by an administrator' });
      }
      return {
        status: 'deactivated' as const,
        user_id: user.id,
        tasks_paused: await countActiveTasks(db, user.id),
        tasks_failed: null,
      };
    },

    async reactivate(viewer: Viewer, userId: string) {
      const admin = await requireAdmin(viewer);
      const user = await target(userId);
      const changed = await db.transaction().execute(async (trx) => {
        const state = await lockClerkState(trx, user.clerk_user_id);
        if (state.disabled_by === 'deleted') throw Errors.badRequest(DELETED_USER);
        const row = await setUserActive(trx, user.clerk_user_id, true);
        await setDisabledBy(trx, user.clerk_user_id, null);
        await insertAuditEntry(trx, {
          adminUserId: admin.id,
          action: 'user.reactivated',
          targetUserId: user.id,
          details: { was_active: row === undefined },
        });
        return row !== undefined;
      });
      if (changed) {
        await events.record({ userId: user.id, type: 'user.enabled', detail: 'reactivated by an administrator' });
      }
      return { status: 'reactivated' as const, user_id: user.id };
    },
  };
}
