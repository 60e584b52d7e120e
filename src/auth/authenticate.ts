// authenticate(headers) → Viewer. Strategies in order: API key (`sk_…`), Clerk session
// JWT (any other Bearer token), the no-auth dev user (only when enabled and no
// credentials were sent), else anonymous. Credentials that are sent are always checked
// for real, even in no-auth mode.
import type { IncomingHttpHeaders } from 'node:http';
import type { Kysely } from 'kysely';
import type { DB } from '../db/types.js';
import { Errors } from '../errors.js';
import { findUserByClerkId } from '../users/users.repository.js';
import type { ApiKeyVerifier } from './api-key-verifier.js';
import type { ClerkAuth } from './clerk.js';
import { ANONYMOUS, type Viewer } from './viewer.js';

export const NOAUTH_CLERK_USER_ID = 'user_noauth_dev';

export interface AuthDeps {
  db: Kysely<DB>;
  apiKeys: ApiKeyVerifier;
  clerk: ClerkAuth;
  noAuth: boolean;
}

export type Authenticate = (headers: IncomingHttpHeaders) => Promise<Viewer>;

const BEARER = /^Bearer +([^\s]+) *$/i;

export function createAuthenticator(deps: AuthDeps): Authenticate {
  return async function authenticate(headers) {
    const header = headers.authorization;
    if (header === undefined || header.trim() === '') {
      if (!deps.noAuth) return ANONYMOUS;
      const user = (await findUserByClerkId(deps.db, NOAUTH_CLERK_USER_ID)) ?? null;
      if (user && !user.is_active) throw Errors.userDisabled();
      return { kind: 'noauth', clerkUserId: NOAUTH_CLERK_USER_ID, user };
    }

    const token = BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw header.trimStart().toLowerCase().startsWith('bearer sk_') ? Errors.invalidApiKey() : Errors.invalidToken();
    }

    if (token.startsWith('sk_')) {
      const { apiKeyId, user } = await deps.apiKeys.verify(token);
      return { kind: 'api-key', clerkUserId: user.clerk_user_id, apiKeyId, user };
    }

    const claims = await deps.clerk.verify(token);
    const user = (await findUserByClerkId(deps.db, claims.sub)) ?? null;
    if (user && !user.is_active) throw Errors.userDisabled();
    return { kind: 'clerk', clerkUserId: claims.sub, claims, user };
  };
}
