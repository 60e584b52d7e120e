// The waitlist: anyone may join (one entry per address, however often or concurrently it is
// sent; a few sign-ups a minute per client address); admins list, invite and remove entries.
import type { Kysely } from 'kysely';
import type { AdminGate } from '../admin/admin-gate.js';
import type { Viewer } from '../auth/viewer.js';
import type { DB, WaitlistRow } from '../db/types.js';
import { Errors } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { isUuid } from '../lib/validation.js';
import { EMAIL_RE } from '../tasks/notifications.js';
import {
  countByStatus,
  deleteEntry,
  insertEntry,
  listEntries,
  positionOf,
  updateEntry,
} from './waitlist.repository.js';
import type { WaitlistStatus } from './waitlist-statuses.js';

export const ALREADY_ON_WAITLIST = 'This email is already on the waitlist.';
export const JOINED_MESSAGE = "You're on the waitlist. We'll email you when a place opens up.";

export interface WaitlistServiceDeps {
  db: Kysely<DB>;
  /** Sign-ups per client address. */
  joinLimit: RateLimit;
  admin: AdminGate;
}

const entryNotFound = () => Errors.notFound('Waitlist entry not found');

export type WaitlistService = ReturnType<typeof createWaitlistService>;

export function createWaitlistService({ db, joinLimit, admin }: WaitlistServiceDeps) {
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

    async list(viewer: Viewer, q: { status?: WaitlistStatus; limit: number; offset: number }): Promise<WaitlistRow[]> {
      await admin.requireAdmin(viewer);
      return listEntries(db, q);
    },

    async stats(viewer: Viewer) {
      await admin.requireAdmin(viewer);
      return countByStatus(db);
    },

    /** Invites (stamping invited_at), marks converted or back to pending, and/or sets the notes. */
    async update(viewer: Viewer, id: string, patch: { status?: WaitlistStatus; notes?: string }) {
      const caller = await admin.requireAdmin(viewer);
      if (patch.status === undefined && patch.notes === undefined) throw Errors.badRequest('No updates provided');
      const entry = isUuid(id) ? await updateEntry(db, id, patch) : undefined;
      if (!entry) throw entryNotFound();
      await admin.record(caller, {
        action: 'waitlist.update',
        details: { entry_id: id, email: entry.email, ...patch },
      });
      return entry;
    },

    async remove(viewer: Viewer, id: string): Promise<void> {
      const caller = await admin.requireAdmin(viewer);
      const entry = isUuid(id) ? await deleteEntry(db, id) : undefined;
      if (!entry) throw entryNotFound();
      await admin.record(caller, { action: 'waitlist.delete', details: { entry_id: id, email: entry.email } });
    },
  };
}
