// SQL of the emails the gateway sends (email_sends), nothing else: recording one, the spam
// counts, claiming an attempt (one statement, so of any number of jobs and instances one
// makes it) and writing its outcome.
import { sql } from 'kysely';
import type { Db, EmailKind, EmailMessage, EmailStatus } from '../db/types.js';

export interface NewEmailSend {
  id: string;
  userId: string;
  taskId: string | null;
  executionId: string | null;
  verificationId?: string | null;
  kind: EmailKind;
  recipient: string;
  subject: string;
  message: EmailMessage | null;
  messageId: string;
  status: EmailStatus;
  reason: string | null;
}

export async function insertEmailSend(db: Db, s: NewEmailSend): Promise<void> {
  await db
    .insertInto('email_sends')
    .values({
      id: s.id,
      user_id: s.userId,
      task_id: s.taskId,
      execution_id: s.executionId,
      verification_id: s.verificationId ?? null,
      kind: s.kind,
      recipient: s.recipient,
      subject: s.subject,
      message: s.message && JSON.stringify(s.message),
      message_id: s.messageId,
      status: s.status,
      reason: s.reason,
      ...(s.status !== 'pending' && { ended_at: sql<Date>`now()` }),
    })
    .execute();
}

/**
 * Holds the spam counts of this user and this address until the transaction ends, so two
 * runs finishing together cannot both take the last place under a limit.
 */
export async function lockSpamCounts(db: Db, userId: string, recipient: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`email-user:${userId}`})),
    pg_advisory_xact_lock(hashtext(${`email-to:${recipient.toLowerCase()}`}))`.execute(db);
}

/** Emails that went out or are going out (not refused, skipped or failed), codes not counted. */
export async function recentSendCounts(
  db: Db,
  userId: string,
  recipient: string,
): Promise<{ userDay: number; recipientHour: number }> {
  const { rows } = await sql<{ user_day: number; recipient_hour: number }>`
    select
      (select count(*)::int from email_sends where user_id = ${userId} and kind <> 'verification'
         and status in ('pending', 'delivered') and created_at > now() - interval '1 day') as user_day,
      (select count(*)::int from email_sends where lower(recipient) = ${recipient.toLowerCase()}
         and kind <> 'verification' and status in ('pending', 'delivered')
         and created_at > now() - interval '1 hour') as recipient_hour`.execute(db);
  return { userDay: rows[0]?.user_day ?? 0, recipientHour: rows[0]?.recipient_hour ?? 0 };
}

/** A pending send with what its attempt needs: the message, its owner's state, its code's state. */
export async function findSendForAttempt(db: Db, id: string) {
  return db
    .selectFrom('email_sends as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('email_verifications as v', 'v.id', 's.verification_id')
    .select([
      's.id',
      's.kind',
      's.status',
      's.attempts',
      's.recipient',
      's.subject',
      's.message',
      's.message_id',
      's.verification_id',
      'u.is_active as owner_active',
      sql<boolean>`v.verified_at is null and v.expires_at > now()`.as('code_usable'),
    ])
    .where('s.id', '=', id)
    .executeTakeFirst();
}

/**
 * Claims attempt `n` of a pending send. An attempt claimed `staleSeconds` ago whose outcome
 * was never written (its instance died mid-send) may be claimed again.
 */
export async function claimEmailAttempt(db: Db, id: string, n: number, staleSeconds: number): Promise<boolean> {
  const row = await db
    .updateTable('email_sends')
    .set({ attempts: n, attempt_claimed_at: sql<Date>`now()`, next_attempt_at: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where((eb) =>
      eb.or([
        eb('attempts', '=', n - 1),
        eb.and([
          eb('attempts', '=', n),
          eb('attempt_claimed_at', '<', sql<Date>`now() - make_interval(secs => ${staleSeconds})`),
        ]),
      ]),
    )
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/** A code's message is forgotten once its send has ended: only the hash stays. */
const forgetCode = sql<string | null>`case when kind = 'verification' then null else message end`;

export async function recordDelivered(db: Db, id: string, responseCode: number | null): Promise<void> {
  await db
    .updateTable('email_sends')
    .set({
      status: 'delivered',
      delivered_at: sql<Date>`now()`,
      ended_at: sql<Date>`now()`,
      last_response_code: responseCode,
      last_error: null,
      reason: null,
      message: forgetCode,
    })
    .where('id', '=', id)
    .execute();
}

/** A failed attempt; `retryAt` = when the next one is due, else the send has failed for good. */
export async function recordFailure(
  db: Db,
  id: string,
  f: { responseCode: number | null; error: string; retryAt: Date | null },
): Promise<void> {
  await db
    .updateTable('email_sends')
    .set({
      last_response_code: f.responseCode,
      last_error: f.error,
      next_attempt_at: f.retryAt,
      ...(f.retryAt === null && {
        status: 'failed' as const,
        reason: f.error,
        ended_at: sql<Date>`now()`,
        message: forgetCode,
      }),
    })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

/** Ends a pending send without an attempt (its code expired or was replaced). */
export async function endUnsent(db: Db, id: string, reason: string): Promise<void> {
  await db
    .updateTable('email_sends')
    .set({ status: 'failed', reason, ended_at: sql<Date>`now()`, next_attempt_at: null, message: forgetCode })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}
