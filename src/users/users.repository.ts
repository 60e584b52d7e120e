// SQL for the users table, nothing else.
import { type Kysely, sql } from 'kysely';
import { prepared } from '../db/prepared.js';
import type { DB, UserRow } from '../db/types.js';

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
