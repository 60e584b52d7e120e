// SQL for the users table, nothing else.
import { type Kysely, sql } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { ClerkUserStateTable, DB, Db, UserRow } from '../db/types.js';

const userByClerkId = prepared((db: Kysely<DB>, clerkUserId: string) =>
  db.selectFrom('users').selectAll().where('clerk_user_id', '=', clerkUserId),
);

/** Runs on every Clerk-token request. */
export async function findUserByClerkId(db: Kysely<DB>, clerkUserId: string): Promise<UserRow | undefined> {
  return (await userByClerkId(db, clerkUserId))[0];
}

export interface UserProfileInput {
  clerkUserId: string;
  email: string | null;
  firstName: string | null;
}

/**
 * Insert or refresh a user in one statement. `xmax = 0` is true only for a freshly
 * inserted row, so concurrent first logins create exactly one row and exactly one of
 * them reports `created: true`.
 */
export async function upsertUser(
  db: Kysely<DB>,
  input: UserProfileInput,
): Promise<{ user: UserRow; created: boolean }> {
  const row = await db
    .insertInto('users')
    .values({ clerk_user_id: input.clerkUserId, email: input.email, first_name: input.firstName })
    .onConflict((oc) =>
      oc.column('clerk_user_id').doUpdateSet((eb) => ({
        email: eb.ref('excluded.email'),
        first_name: eb.ref('excluded.first_name'),
      })),
    )
    .returningAll()
    .returning(sql<boolean>`(xmax = 0)`.as('created'))
    .executeTakeFirstOrThrow();
  const { created, ...user } = row;
  return { user, created };
}

export async function setWelcomeSeen(db: Kysely<DB>, userId: string): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ has_seen_welcome: true })
    .where('id', '=', userId)
    .returningAll()
    .executeTakeFirst();
}

/** Enables or disables a user; the row only when it changed (so each change is logged once). */
export async function setUserActive(db: Db, clerkUserId: string, active: boolean): Promise<UserRow | undefined> {
  return db
    .updateTable('users')
    .set({ is_active: active })
    .where('clerk_user_id', '=', clerkUserId)
    .where('is_active', '=', !active)
    .returningAll()
    .executeTakeFirst();
}

/**
 * The profile fields a Clerk webhook refreshes (a user not synced yet is created). Clerk
 * owns usernames: one that another row still holds (its rename not delivered yet) moves
 * to this user rather than failing the delivery.
 */
export async function upsertProfile(
  db: Db,
  p: { clerkUserId: string; email: string | null; firstName: string | null; username: string | null },
): Promise<UserRow> {
  if (p.username !== null) {
    await db
      .updateTable('users')
      .set({ username: null })
      .where('username', '=', p.username)
      .where('clerk_user_id', '<>', p.clerkUserId)
      .execute();
  }
  return db
    .insertInto('users')
    .values({ clerk_user_id: p.clerkUserId, email: p.email, first_name: p.firstName, username: p.username })
    .onConflict((oc) =>
      oc.column('clerk_user_id').doUpdateSet({ email: p.email, first_name: p.firstName, username: p.username }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The Clerk-side state of a user, locked for the rest of the transaction (created empty the
 * first time), so concurrent deliveries for one user apply one after another.
 */
export async function lockClerkState(db: Db, clerkUserId: string): Promise<ClerkUserStateTable> {
  await db
    .insertInto('clerk_user_state')
    .values({ clerk_user_id: clerkUserId })
    .onConflict((oc) => oc.column('clerk_user_id').doNothing())
    .execute();
  return db
    .selectFrom('clerk_user_state')
    .selectAll()
    .where('clerk_user_id', '=', clerkUserId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export async function saveClerkState(
  db: Db,
  clerkUserId: string,
  state: { disabledBy: ClerkUserStateTable['disabled_by']; lastEventAt: Date },
): Promise<void> {
  await db
    .updateTable('clerk_user_state')
    .set({ disabled_by: state.disabledBy, last_event_at: state.lastEventAt })
    .where('clerk_user_id', '=', clerkUserId)
    .execute();
}

/** Users not disabled: Torale's landing-page count (`/public/stats`). */
export async function countActiveUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('is_active', '=', true)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
