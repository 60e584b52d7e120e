// Email verification as the dashboard asks for it. The gateway sends no email, so the
// only verified address is the account's own (from Clerk): it is listed, "already
// verified", and cannot be removed. Sending or checking a code for any other address is
// 503 — no code is made, logged or accepted.
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import { AppError, Errors } from '../errors.js';
import { EMAIL_RE } from '../tasks/notifications.js';

export type EmailVerificationService = ReturnType<typeof createEmailVerificationService>;

export const EMAIL_NOT_CONFIGURED = 'Email delivery is not configured';

const sameAddress = (a: string | null, b: string) => a !== null && a.trim().toLowerCase() === b.trim().toLowerCase();

/** The schema checks the shape; this is the address rule task notifications use (FastAPI's 422). */
function checkEmail(email: string): void {
  if (!EMAIL_RE.test(email)) {
    throw Errors.validation([
      { type: 'value_error', loc: ['body', 'email'], msg: 'value is not a valid email address' },
    ]);
  }
}

const notConfigured = () => new AppError(503, 'SERVICE_UNAVAILABLE', EMAIL_NOT_CONFIGURED);

export function createEmailVerificationService() {
  return {
    verified(viewer: Viewer): { verified_emails: string[]; primary_email: string | null } {
      const { email } = requireUser(viewer);
      return { verified_emails: email ? [email] : [], primary_email: email };
    },

    send(viewer: Viewer, email: string): { message: string } {
      requireScope(viewer, 'account:write');
      const user = requireUser(viewer);
      checkEmail(email);
      if (sameAddress(user.email, email)) return { message: 'Email already verified' };
      throw notConfigured();
    },

    verify(viewer: Viewer, email: string): never {
      requireScope(viewer, 'account:write');
      requireUser(viewer);
      checkEmail(email);
      throw notConfigured();
    },

    remove(viewer: Viewer, email: string): { message: string } {
      requireScope(viewer, 'account:write');
      const user = requireUser(viewer);
      if (sameAddress(user.email, email)) throw Errors.badRequest('Cannot remove primary Clerk email');
      return { message: 'Email removed from verified list' };
    },
  };
}
