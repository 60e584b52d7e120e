// The waitlist: anyone may join (one entry per address, however often or concurrently it is
// sent; a few sign-ups a minute per client address); admins list, invite and remove entries.
import type { Kysely } from 'kysely';
import type { DB, WaitlistRow } from '../db/types.js';
import { Errors } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { EMAIL_RE } from '../tasks/notifications.js';
import { insertEntry, positionOf } from './waitlist.repository.js';

export const ALREADY_ON_WAITLIST = 'This email is already on the waitlist.';
export const JOINED_MESSAGE = "You're on the waitlist. We'll email you when a place opens up.";

export interface WaitlistServiceDeps {
  db: Kysely<DB>;
  /** Sign-ups per client address. */
  joinLimit: RateLimit;
}

export type WaitlistService = ReturnType<typeof createWaitlistService>;

export function createWaitlistService({ db, joinLimit }: WaitlistServiceDeps) {
  return {
    /** Adds the address (stored in lower case) and answers its place among pending entries. */
    async join(email: string, address: string): Promise<{ entry: WaitlistRow; position: number }> {
      // The schema checked the shape; this is the address rule task notifications use (FastAPI's 422).
      if (!EMAIL_RE.test(email.trim())) {
        throw Errors.validation([
          { type: 'value_error', loc: ['body', 'email'], msg: 'value is not a valid email address' },
        ]);
      }
      const { allowed, retryAfterSeconds } = await joinLimit.consume(address);
      if (!allowed) throw Errors.tooManyRequests(retryAfterSeconds);
      const entry = await insertEntry(db, email.trim().toLowerCase());
      if (!entry) throw Errors.badRequest(ALREADY_ON_WAITLIST);
      return { entry, position: await positionOf(db, entry) };
    },
  };
}
