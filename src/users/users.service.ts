// Rules for users. Called by both the GraphQL resolver and the REST routes.
import type { Kysely } from 'kysely';
import type { ClerkAuth } from '../auth/clerk.js';
import { NOAUTH_CLERK_USER_ID } from '../auth/strategies/dev-user.strategy.js';
import { requireIdentity, requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, UserRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { countActiveUsers, findUserByClerkId, setWelcomeSeen, upsertUser } from './users.repository.js';

export interface UsersServiceDeps {
  db: Kysely<DB>;
  clerk: ClerkAuth;
  noAuthEmail: string;
  /** The capacity `/public/stats` reports (MAX_USERS). */
  maxUsers?: number;
}

export interface PublicStats {
  capacity: { max_users: number; current_users: number; available_slots: number };
}

/** How long the landing page's count may be old: anyone may ask, so it is not counted per request. */
const STATS_MS = 10_000;

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService({ db, clerk, noAuthEmail, maxUsers = 100 }: UsersServiceDeps) {
  let counted: { at: number; users: Promise<number> } | undefined;
  return {
    /** Torale's `/public/stats`: the beta's capacity and how much of it is taken (≤ 10 s old). */
    async publicStats(): Promise<PublicStats> {
      if (!counted || Date.now() - counted.at > STATS_MS) {
        const users = countActiveUsers(db);
        counted = { at: Date.now(), users };
        users.catch(() => {
          if (counted?.users === users) counted = undefined;
        });
      }
      const current = await counted.users;
      return {
        capacity: { max_users: maxUsers, current_users: current, available_slots: Math.max(0, maxUsers - current) },
      };
    },

    me(viewer: Viewer): UserRow {
      return requireUser(viewer);
    },

    /** Creates or refreshes the caller's user from their identity; safe under concurrency. */
    async sync(viewer: Viewer): Promise<{ user: UserRow; created: boolean }> {
      const who = requireIdentity(viewer);
      requireScope(who, 'account:write');
      switch (who.kind) {
        case 'noauth':
          return upsertUser(db, { clerkUserId: who.clerkUserId, email: noAuthEmail, firstName: 'Test' });
        case 'api-key':
          // A key belongs to a synced user already; there is no fresher identity to apply.
          return { user: who.user, created: false };
        case 'clerk': {
          const profile = await clerk.profile(who.clerkUserId, who.claims);
          return upsertUser(db, { clerkUserId: who.clerkUserId, email: profile.email, firstName: profile.firstName });
        }
      }
    },

    async markWelcomeSeen(viewer: Viewer): Promise<UserRow> {
      requireScope(viewer, 'account:write');
      const user = requireUser(viewer);
      const updated = await setWelcomeSeen(db, user.id);
      if (!updated) throw Errors.userNotSynced();
      return updated;
    },
  };
}

/** The no-auth dev user exists from startup, so `me` answers before any sync. */
export async function ensureDevUser(db: Kysely<DB>, email: string): Promise<UserRow> {
  const existing = await findUserByClerkId(db, NOAUTH_CLERK_USER_ID);
  if (existing && existing.email === email) return existing;
  return (await upsertUser(db, { clerkUserId: NOAUTH_CLERK_USER_ID, email, firstName: 'Test' })).user;
}
