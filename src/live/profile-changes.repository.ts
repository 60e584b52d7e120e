// A user's Clerk profile (role, email, name) changed: every instance must forget its cached
// copy at once. This instance forgets now; the others hear it on the live channel (the
// LISTEN/NOTIFY connection each instance's hub holds; the container hands it to ClerkAuth).
import { sql } from 'kysely';
import type { ClerkAuth } from '../auth/clerk.js';
import type { Db } from '../db/types.js';
import { LIVE_CHANNEL } from './hub.js';

export async function announceProfileChange(db: Db, clerk: ClerkAuth, clerkUserId: string): Promise<void> {
  clerk.forgetProfile(clerkUserId);
  await sql`select pg_notify(${LIVE_CHANNEL}, json_build_object('k', 'profile', 'id', ${clerkUserId}::text)::text)`.execute(
    db,
  );
}
