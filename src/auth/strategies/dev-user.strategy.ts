// No-auth mode (TORALE_NOAUTH=1, loopback only): a request with no credentials acts as
// the dev user. Credentials that are sent are still checked by the other strategies.
// A web page must not borrow the dev user: requests naming a non-loopback Host (DNS
// rebinding) and state-changing requests from a foreign Origin are refused.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.js';
import { AppError, Errors } from '../../errors.js';
import { isLoopbackHost } from '../../lib/loopback.js';
import { findUserByClerkId } from '../../users/users.repository.js';
import type { AuthStrategy } from '../authenticator.js';

export const NOAUTH_CLERK_USER_ID = 'user_noauth_dev';

export const NOAUTH_HOST_REFUSED = 'No-auth mode serves requests without credentials only on a loopback host';
export const NOAUTH_ORIGIN_REFUSED = 'No-auth mode refuses state-changing requests from another origin';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host part of a Host header (`[::1]:8000` → `::1`, `localhost:8000` → `localhost`). */
function hostOf(header: string | undefined): string {
  const h = (header ?? '').trim();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  return h.replace(/:\d*$/, '');
}

function loopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname);
  } catch {
    return false;
  }
}

export function devUserStrategy(db: Kysely<DB>, allowedOrigins: readonly string[] = []): AuthStrategy {
  return {
    name: 'dev-user',
    async authenticate({ header, headers, method }) {
      if (header !== undefined) return undefined;
      if (!isLoopbackHost(hostOf(headers.host))) throw new AppError(403, 'FORBIDDEN', NOAUTH_HOST_REFUSED);
      const origin = headers.origin;
      if (
        !SAFE_METHODS.has(method.toUpperCase()) &&
        origin !== undefined &&
        !loopbackOrigin(origin) &&
        !allowedOrigins.includes(origin)
      ) {
        throw new AppError(403, 'FORBIDDEN', NOAUTH_ORIGIN_REFUSED);
      }
      const user = (await findUserByClerkId(db, NOAUTH_CLERK_USER_ID)) ?? null;
      if (user && !user.is_active) throw Errors.userDisabled();
      return { kind: 'noauth', clerkUserId: NOAUTH_CLERK_USER_ID, user };
    },
  };
}
