// No-auth mode (TORALE_NOAUTH=1, loopback only): a request with no credentials acts as
// the dev user. Credentials that are sent are still checked by the other strategies.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { Errors } from '../../errors.js';
import { findUserByClerkId } from '../../users/users.repository.js';
import type { AuthStrategy } from '../authenticator.js';

export const NOAUTH_CLERK_USER_ID = 'user_noauth_dev';

export function devUserStrategy(db: Kysely<DB>): AuthStrategy {
  return {
    name: 'dev-user',
    async authenticate({ header }) {
      if (header !== undefined) return undefined;
      const user = (await findUserByClerkId(db, NOAUTH_CLERK_USER_ID)) ?? null;
      if (user && !user.is_active) throw Errors.userDisabled();
      return { kind: 'noauth', clerkUserId: NOAUTH_CLERK_USER_ID, user };
    },
  };
}
