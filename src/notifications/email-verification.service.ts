// Email verification as Torale's flow (api/routers/email_verification.py): a 6-digit code
// from a cryptographic source, stored only as a bcrypt hash, valid 15 minutes, at most 3
// requests per user per hour and 5 tries per code; a right code adds the address to the
// user's verified list, where task emails may then go. The account email is always
// verified. Without a mailer no code is made, logged or accepted (503).
import { randomInt } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { AppError, Errors } from '../errors.js';
import { EMAIL_RE } from '../tasks/notifications.js';
import { type Links, verificationEmail } from './email-content.js';
import {
  codesSentLastHour,
  countFailedAttempt,
  lockUserCodes,
  markVerified,
  pendingCodeForUpdate,
  removeVerifiedEmail,
  replacePendingCode,
  verifiedEmailsOf,
} from './email-verification.repository.js';
import type { Emails } from './emails.js';

export type EmailVerificationService = ReturnType<typeof createEmailVerificationService>;

export const EMAIL_NOT_CONFIGURED = 'Email delivery is not configured';
/** Torale's rules and words. */
export const CODE_RULES = { digits: 6, validMinutes: 15, maxAttempts: 5, perHour: 3 } as const;
export const VERIFY_TEXTS = {
  tooManyRequests: 'Too many verification requests. Please try again later.',
  noPending: 'No verification pending for this email',
  expired: 'Verification code expired. Request a new one.',
  tooManyAttempts: 'Too many failed attempts. Request a new code.',
  invalid: (remaining: number) => `Invalid code. ${remaining} attempts remaining.`,
  verified: 'Email verified successfully',
  alreadyVerified: 'Email already verified',
} as const;

const same = (a: string | null, b: string) => a !== null && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The schema checks the shape; this is the address rule task notifications use (FastAPI's 422). */
function checkEmail(email: string): void {
  if (!EMAIL_RE.test(email)) {
    throw Errors.validation([
      { type: 'value_error', loc: ['body', 'email'], msg: 'value is not a valid email address' },
    ]);
  }
}

const notConfigured = () => new AppError(503, 'SERVICE_UNAVAILABLE', EMAIL_NOT_CONFIGURED);

export function createEmailVerificationService(deps: {
  db: Kysely<DB>;
  emails: Emails;
  links: Links;
  bcryptCost: number;
}) {
  const { db, emails } = deps;

  async function verifiedList(userId: string): Promise<{ email: string | null; all: string[] }> {
    const { email, verified } = await verifiedEmailsOf(db, userId);
    const all = email ? [email] : [];
    for (const v of verified) if (!all.some((a) => same(a, v))) all.push(v);
    return { email, all };
  }

  return {
    async verified(viewer: Viewer): Promise<{ verified_emails: string[]; primary_email: string | null }> {
      const user = requireUser(viewer);
      const { email, all } = await verifiedList(user.id);
      return { verified_emails: all, primary_email: email };
    },

    async send(
      viewer: Viewer,
      email: string,
    ): Promise<{ message: string; expires_in_minutes?: number; expires_at?: string }> {
      const user = requireUser(viewer);
      requireScope(viewer, 'account:write');
      checkEmail(email);
      if ((await verifiedList(user.id)).all.some((a) => same(a, email)))
        return { message: VERIFY_TEXTS.alreadyVerified };
      if (!emails.enabled) throw notConfigured();
      const code = String(randomInt(0, 10 ** CODE_RULES.digits)).padStart(CODE_RULES.digits, '0');
      const codeHash = await bcrypt.hash(code, deps.bcryptCost);
      const userName = user.first_name?.trim() || (user.email ?? email).split('@')[0] || 'there';
      const { expiresAt, sendId } = await db.transaction().execute(async (trx) => {
        await lockUserCodes(trx, user.id);
        if ((await codesSentLastHour(trx, user.id)) >= CODE_RULES.perHour) {
          throw new AppError(429, 'TOO_MANY_REQUESTS', VERIFY_TEXTS.tooManyRequests);
        }
        const v = await replacePendingCode(trx, {
          userId: user.id,
          email,
          codeHash,
          validMinutes: CODE_RULES.validMinutes,
        });
        const id = await emails.record(trx, {
          userId: user.id,
          taskId: null,
          executionId: null,
          verificationId: v.id,
          kind: 'verification',
          to: email,
          rendered: verificationEmail({ code, userName, minutes: CODE_RULES.validMinutes }, deps.links),
        });
        return { expiresAt: v.expires_at, sendId: id };
      });
      await emails.sendNow([sendId]);
      return {
        message: `Verification code sent to ${email}`,
        expires_in_minutes: CODE_RULES.validMinutes,
        // The dashboard counts down to this (its modal reads `expires_at`).
        expires_at: expiresAt.toISOString(),
      };
    },

    async verify(viewer: Viewer, email: string, code: string): Promise<{ message: string }> {
      const user = requireUser(viewer);
      requireScope(viewer, 'account:write');
      checkEmail(email);
      if (!emails.enabled) throw notConfigured();
      const failure = await db.transaction().execute(async (trx) => {
        const pending = await pendingCodeForUpdate(trx, user.id, email);
        if (!pending) return VERIFY_TEXTS.noPending;
        if (pending.expired) return VERIFY_TEXTS.expired;
        if (pending.attempts >= CODE_RULES.maxAttempts) return VERIFY_TEXTS.tooManyAttempts;
        const right = /^\d{6}$/.test(code.trim()) && (await bcrypt.compare(code.trim(), pending.code_hash));
        if (!right) {
          await countFailedAttempt(trx, pending.id);
          return VERIFY_TEXTS.invalid(CODE_RULES.maxAttempts - pending.attempts - 1);
        }
        await markVerified(trx, pending.id, user.id, email);
        return null;
      });
      if (failure) throw Errors.badRequest(failure);
      return { message: VERIFY_TEXTS.verified };
    },

    async remove(viewer: Viewer, email: string): Promise<{ message: string }> {
      const user = requireUser(viewer);
      requireScope(viewer, 'account:write');
      if (same(user.email, email)) throw Errors.badRequest('Cannot remove primary Clerk email');
      // PostgreSQL text cannot hold NUL: such an address is on no list, and the query would fail.
      if (!email.includes('\u0000')) await removeVerifiedEmail(db, user.id, email);
      return { message: 'Email removed from verified list' };
    },
  };
}
