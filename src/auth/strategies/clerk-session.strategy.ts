// Any other credential is a Clerk session JWT, verified by @clerk/backend. The user row
// may not exist yet (sync-user creates it); a disabled user is refused here.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { Errors } from '../../errors.js';
import { findUserByClerkId } from '../../users/users.repository.js';
import type { AuthStrategy } from '../authenticator.js';
import type { ClerkAuth } from '../clerk.js';

export function clerkSessionStrategy(db: Kysely<DB>, clerk: ClerkAuth): AuthStrategy {
  return {
    name: 'clerk-session',
    async authenticate({ header, bearer }) {
      if (header === undefined) return undefined;
      if (bearer === undefined) throw Errors.invalidToken();
      const claims = await clerk.verify(bearer);
      const user = (await findUserByClerkId(db, claims.sub)) ?? null;
      if (user && !user.is_active) throw Errors.userDisabled();
      return { kind: 'clerk', clerkUserId: claims.sub, claims, user };
    },
  };
}
