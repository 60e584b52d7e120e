// Clerk's signing keys (JWKS), fetched from the Backend API with the secret key and kept
// by `kid` (src/lib/remote-keys.ts: a token naming an unknown `kid` refetches the set at
// most once per cooldown, shared by every request waiting for it — so tokens with made-up
// key ids cannot make us call Clerk, with our secret key, once each). Keys are kept after a
// rotation; while Clerk cannot be reached, a token needing a new key answers 503.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ClerkClient } from '@clerk/backend';
import { Errors } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { RemoteKeys } from '../lib/remote-keys.js';

export interface ClerkKeySetOptions {
  /** Least time between two fetches caused by unknown key ids. */
  cooldownMs?: number;
  /** After a failed fetch, requests needing a key answer 503 without asking again for this long. */
  retryAfterFailureMs?: number;
}

export function clerkKeySet(client: ClerkClient, logger: Logger, opts: ClerkKeySetOptions = {}): RemoteKeys {
  return new RemoteKeys({
    unknownCooldownMs: opts.cooldownMs ?? 30_000,
    retryAfterFailureMs: opts.retryAfterFailureMs ?? 5_000,
    forgetUnlisted: false,
    unavailable: () => Errors.clerkUnavailable(),
    fetch: async () => {
      try {
        const { keys = [] } = await client.jwks.getJwks();
        const pems = new Map<string, string>();
        for (const jwk of keys) {
          if (!jwk.kid || jwk.kty !== 'RSA') continue;
          const pem = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' }).export({
            type: 'spki',
            format: 'pem',
          });
          pems.set(jwk.kid, pem.toString());
        }
        return pems;
      } catch (err) {
        const status = (err as { status?: number }).status;
        logger.error({ err: { message: (err as Error)?.message, status } }, 'Clerk JWKS could not be loaded');
        throw err;
      }
    },
  });
}

/** The `kid` of a JWT's header, read without verifying anything. */
export function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header?.kid === 'string' && header.kid.length <= 200 ? header.kid : undefined;
  } catch {
    return undefined;
  }
}
