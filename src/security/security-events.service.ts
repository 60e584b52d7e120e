// The security log: what happened to an account (keys created, rotated, revoked, expired,
// leaked, used from a new address, failed secrets; the user disabled or enabled; a task's
// webhook disabled by the gateway), readable
// by its owner, newest first. Never a secret: callers pass prefixes and ids only.
import type { Kysely } from 'kysely';
import { requireKeysRead, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, SecurityEventRow } from '../db/types.js';
import { decodeCursor, encodeCursor } from '../lib/cursor.js';
import type { Logger } from '../lib/logger.js';
import {
  deleteOldSecurityEvents,
  insertSecurityEvent,
  listSecurityEvents,
  type NewSecurityEvent,
} from './security-events.repository.js';

/** Days an event is kept (the hourly cleanup job forgets older ones). */
export const SECURITY_EVENT_RETENTION_DAYS = 90;

export type SecurityEventsService = ReturnType<typeof createSecurityEventsService>;

const cursorOf = (e: SecurityEventRow) => encodeCursor(['se', Number(e.seq)]);

export function createSecurityEventsService(deps: { db: Kysely<DB>; logger: Logger }) {
  const { db, logger } = deps;
  return {
    /** Records an event; false when its `once` key was seen before. Never throws: the log must not fail a request. */
    async record(event: NewSecurityEvent): Promise<boolean> {
      try {
        return await insertSecurityEvent(db, event);
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message }, type: event.type }, 'could not record security event');
        return false;
      }
    },

    /** One page of the viewer's log, newest first; the cursor names the last event shown. */
    async page(
      viewer: Viewer,
      q: { limit: number; cursor?: string | undefined },
    ): Promise<{ events: SecurityEventRow[]; nextCursor: string | null }> {
      requireKeysRead(viewer);
      const user = requireUser(viewer);
      const after = q.cursor
        ? decodeCursor(q.cursor, (p) => p.length === 2 && p[0] === 'se' && Number.isSafeInteger(p[1]))
        : undefined;
      const rows = await listSecurityEvents(db, user.id, q.limit + 1, after && String(after[1]));
      const events = rows.slice(0, q.limit);
      const last = events.at(-1);
      return { events, nextCursor: rows.length > q.limit && last ? cursorOf(last) : null };
    },

    cursorOf,

    /** Hourly housekeeping: forgets events (and Clerk webhook receipts) past their retention. */
    async cleanup(): Promise<number> {
      return deleteOldSecurityEvents(db, SECURITY_EVENT_RETENTION_DAYS);
    },
  };
}
