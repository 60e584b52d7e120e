// The one path every request and live connection is authenticated through, so HTTP,
// WebSocket and SSE cannot differ in what they let through or count:
//   1. an address that keeps sending refused credentials gets 429 before any verification
//      work (no SQL, no bcrypt);
//   2. the strategies decide who is calling (authenticator.ts);
//   3. a refusal is counted (metrics) and, when it is the caller's doing or the server had
//      no room to check, recorded against the address;
//   4. a caller without credentials spends one of the address's anonymous requests (once: a
//      WebSocket spent it at its upgrade, so its credential-less connection_init does not).
// Per-key budgets and other per-transport rules belong here too.
import { Errors, isAppError, SERVER_BUSY } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';
import type { Authenticate, AuthRequest } from './authenticator.js';
import type { AuthFailureLimiter } from './failure-limiter.js';
import type { Viewer } from './viewer.js';

/** How the caller came: a REST or GraphQL request, an SSE stream (/graphql/stream), a WebSocket. */
export type Transport = 'http' | 'sse' | 'websocket';

export interface AuthAccountingDeps {
  authenticate: Authenticate;
  /** Refused credentials per address. */
  failures: Pick<AuthFailureLimiter, 'retryAfter' | 'record'>;
  /** Requests without credentials per address. */
  anonymous: RateLimit;
  /** Told of every refusal (the failure metric). */
  onRefused?: (error: unknown, transport: Transport) => void;
}

export type AccountRequest = (request: AuthRequest, transport: Transport) => Promise<Viewer>;

export function createAuthAccounting({ authenticate, failures, anonymous, onRefused }: AuthAccountingDeps) {
  /** The caller of one request or connection, accounted for; throws the contract's 401/403/429. */
  const accountRequest: AccountRequest = async (request, transport) => {
    if (request.headers.authorization) {
      const wait = await failures.retryAfter(request.ip);
      if (wait > 0) throw Errors.tooManyRequests(wait);
    }
    let viewer: Viewer;
    try {
      viewer = await authenticate(request);
    } catch (err) {
      onRefused?.(err, transport);
      // Refused credentials, and credentials refused for want of room to check them, both
      // count against the address (a flood of either ends in 429 before any work).
      if (isAppError(err) && (err.status === 401 || err.detail === SERVER_BUSY)) await failures.record(request.ip);
      throw err;
    }
    // Preflights do no work and browsers send them on their own.
    if (viewer.kind === 'anonymous' && request.method !== 'OPTIONS' && !request.anonymousCounted) {
      const { allowed, retryAfterSeconds } = await anonymous.consume(request.ip);
      if (!allowed) throw Errors.tooManyRequests(retryAfterSeconds);
    }
    return viewer;
  };
  return { accountRequest };
}
