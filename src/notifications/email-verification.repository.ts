// SQL of verification codes and of a user's verified addresses, nothing else. Addresses
// compare without regard to case; the account email is verified without being stored.
import { sql } from 'kysely';
import type { Db } from '../db/types.js';

/** Holds this user's code requests until the transaction ends (the hourly limit is then exact). */
export async function lockUserCodes(db: Db, userId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`email-codes:${userId}`}))`.execute(db);
}

export async function codesSentLastHour(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('email_verifications')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('user_id', '=', userId)
    .where('created_at', '>', sql<Date>`now() - interval '1 hour'`)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** The new pending code of this address; an older pending one is replaced. */
export async function replacePendingCode(
  db: Db,
  v: { userId: string; email: string; codeHash: string; validMinutes: number },
): Promise<{ id: string; expires_at: Date }> {
  await db
    .deleteFrom('email_verifications')
    .where('user_id', '=', v.userId)
    .where(sql<string>`lower(email)`, '=', v.email.toLowerCase())
    .where('verified_at', 'is', null)
    .execute();
  return db
    .insertInto('email_verifications')
    .values({
      user_id: v.userId,
      email: v.email,
      code_hash: v.codeHash,
      expires_at: sql<Date>`now() + make_interval(mins => ${v.validMinutes})`,
    })
    .returning(['id', 'expires_at'])
    .executeTakeFirstOrThrow();
}

/** The pending code of this address, locked until the transaction ends. */
export async function pendingCodeForUpdate(db: Db, userId: string, email: string) {
  return db
    .selectFrom('email_verifications')
    .select(['id', 'code_hash', 'attempts', sql<boolean>`expires_at <= now()`.as('expired')])
    .where('user_id', '=', userId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('verified_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
}

export async function countFailedAttempt(db: Db, id: string): Promise<void> {
  await db
    .updateTable('email_verifications')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

/** Marks the code used and adds the address to the user's verified list (once). */
export async function markVerified(db: Db, id: string, userId: string, email: string): Promise<void> {
  await db.updateTable('email_verifications').set({ verified_at: sql<Date>`now()` }).where('id', '=', id).execute();
  await sql`update users set verified_notification_emails = verified_notification_emails || array[${email}]::text[]
    where id = ${userId} and not exists (
      select 1 from unnest(verified_notification_emails) e where lower(e) = ${email.toLowerCase()})`.execute(db);
}

export async function removeVerifiedEmail(db: Db, userId: string, email: string): Promise<void> {
  await sql`update users set verified_notification_emails = array(
      select e from unnest(verified_notification_emails) e where lower(e) <> ${email.toLowerCase()})
    where id = ${userId}`.execute(db);
}

export async function verifiedEmailsOf(db: Db, userId: string): Promise<{ email: string | null; verified: string[] }> {
  const row = await db
    .selectFrom('users')
    .select(['email', 'verified_notification_emails'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return { email: row?.email ?? null, verified: row?.verified_notification_emails ?? [] };
}
