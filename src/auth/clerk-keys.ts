// Clerk's signing keys (JWKS), fetched from the Backend API with the secret key and kept
// by `kid`. A token naming an unknown `kid` refetches the set at most once per cooldown,
// shared by every request waiting for it — so tokens with made-up key ids cannot make us
// call Clerk (with our secret key) once each.
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { ClerkClient } from '@clerk/backend';
import { Errors } from '../errors.js';
import type { Logger } from '../lib/logger.js';

export interface ClerkKeySetOptions {
  /** Least time between two fetches caused by unknown key ids. */
  cooldownMs?: number;
  /** After a failed fetch, requests needing a key answer 503 without asking again for this long. */
  retryAfterFailureMs?: number;
}

export class ClerkKeySet {
  readonly stats = { fetches: 0 };
  readonly #keys = new Map<string, string>();
  #fetchedAt = 0;
  #failedAt = 0;
  #inFlight: Promise<void> | undefined;
  readonly #cooldown: number;
  readonly #retryAfterFailure: number;

  constructor(
    private readonly client: ClerkClient,
    private readonly logger: Logger,
    opts: ClerkKeySetOptions = {},
  ) {
    this.#cooldown = opts.cooldownMs ?? 30_000;
    this.#retryAfterFailure = opts.retryAfterFailureMs ?? 5_000;
  }

  /** The PEM public key for `kid`, undefined when Clerk does not have it; throws 503 when Clerk cannot say. */
  async keyFor(kid: string): Promise<string | undefined> {
    const known = this.#keys.get(kid);
    if (known) return known;
    const now = Date.now();
    if (!this.#inFlight) {
      if (now - this.#failedAt < this.#retryAfterFailure) throw Errors.clerkUnavailable();
      if (now - this.#fetchedAt < this.#cooldown) return undefined;
      this.#inFlight = this.#refresh().finally(() => {
        this.#inFlight = undefined;
      });
    }
    await this.#inFlight;
    return this.#keys.get(kid);
  }

  async #refresh(): Promise<void> {
    this.stats.fetches++;
    try {
      const { keys = [] } = await this.client.jwks.getJwks();
      for (const jwk of keys) {
        if (!jwk.kid || jwk.kty !== 'RSA') continue;
        const pem = createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        this.#keys.set(jwk.kid, pem.toString());
      }
      this.#fetchedAt = Date.now();
      this.#failedAt = 0;
    } catch (err) {
      this.#failedAt = Date.now();
      const status = (err as { status?: number }).status;
      this.logger.error({ err: { message: (err as Error)?.message, status } }, 'Clerk JWKS could not be loaded');
      throw Errors.clerkUnavailable();
    }
  }
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
