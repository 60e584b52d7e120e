// Clerk session tokens, verified by @clerk/backend: networkless with CLERK_JWT_KEY, or
// with the key set fetched from CLERK_API_URL using CLERK_SECRET_KEY (clerk-keys.ts).
// The user's profile (email, first name, role) comes from token claims when present,
// else from the Backend API — cached per user, one request in flight per user, and a
// stale copy stands in while Clerk is unreachable.

import { createHash } from 'node:crypto';
import { type ClerkClient, createClerkClient, verifyToken } from '@clerk/backend';
import { TokenVerificationError } from '@clerk/backend/errors';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config/config.js';
import { AppError, Errors } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import type { RemoteKeys } from '../lib/remote-keys.js';
import { withTimeout } from '../lib/timeout.js';
import { type ClerkKeySetOptions, clerkKeySet, kidOf } from './clerk-keys.js';
import type { ClerkClaims } from './viewer.js';

export interface ClerkProfile {
  email: string | null;
  firstName: string | null;
  role: string | null;
}

/** The Clerk settings, and tuning that tests shorten. */
export interface ClerkOptions
  extends Pick<Config['auth'], 'clerkSecretKey' | 'clerkApiUrl' | 'clerkJwtKey' | 'clerkAuthorizedParties'> {
  /** How long a fetched profile is fresh. */
  profileTtlMs?: number;
  /** How long a stale profile may stand in while Clerk is unreachable. */
  profileStaleMs?: number;
  requestTimeoutMs?: number;
  keySet?: ClerkKeySetOptions;
}

export interface ClerkStats {
  tokenVerifications: number;
  verifiedTokenCacheHits: number;
  userLookups: number;
  profileCacheHits: number;
}

/** A verified token is remembered at most this long, and never past its `exp`. */
const TOKEN_CACHE_MAX_MS = 300_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** A profile as fetched; `missing` = Clerk says the user does not exist. */
interface FetchedProfile {
  profile: ClerkProfile | null;
  fetchedAt: number;
}

export class ClerkAuth {
  readonly stats: ClerkStats = {
    tokenVerifications: 0,
    verifiedTokenCacheHits: 0,
    userLookups: 0,
    profileCacheHits: 0,
  };
  readonly #verified = new LRUCache<string, ClerkClaims>({ max: 10_000, ttl: TOKEN_CACHE_MAX_MS });
  readonly #client: ClerkClient | undefined;
  readonly #keySet: RemoteKeys | undefined;
  readonly #profiles: LRUCache<string, FetchedProfile>;
  readonly #stale: number;
  readonly #timeout: number;

  constructor(
    private readonly opts: ClerkOptions,
    private readonly logger: Logger,
  ) {
    this.#client = opts.clerkSecretKey
      ? createClerkClient({ secretKey: opts.clerkSecretKey, apiUrl: opts.clerkApiUrl })
      : undefined;
    this.#keySet = this.#client && !opts.clerkJwtKey ? clerkKeySet(this.#client, logger, opts.keySet) : undefined;
    this.#stale = opts.profileStaleMs ?? 60 * 60_000;
    this.#timeout = opts.requestTimeoutMs ?? 5_000;
    this.#profiles = new LRUCache<string, FetchedProfile>({
      max: 10_000,
      ttl: opts.profileTtlMs ?? 60_000,
      // Clerk down: the last known profile answers (bounded by profileStaleMs below).
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: (clerkUserId) => this.#fetch(clerkUserId),
    });
  }

  get configured(): boolean {
    return Boolean(this.opts.clerkJwtKey || this.opts.clerkSecretKey);
  }

  /** Verifies a session token and returns its claims, or throws the contract's error. */
  async verify(token: string): Promise<ClerkClaims> {
    if (!JWT_SHAPE.test(token) || token.length > 16_384) throw Errors.invalidToken();
    if (!this.configured) throw Errors.clerkNotConfigured();
    // A dashboard reuses one session token for up to a minute: verify its signature once
    // and answer repeats from memory until the token's own expiry (keyed by digest).
    const digest = createHash('sha256').update(token).digest('base64');
    const hit = this.#verified.get(digest);
    if (hit) {
      this.stats.verifiedTokenCacheHits++;
      return hit;
    }
    this.stats.tokenVerifications++;
    const jwtKey = this.opts.clerkJwtKey ?? (await this.#keyOf(token));
    let claims: ClerkClaims;
    try {
      // The package's exported verifyToken returns the payload and throws on failure.
      claims = (await verifyToken(token, {
        jwtKey,
        authorizedParties:
          this.opts.clerkAuthorizedParties.length > 0 ? [...this.opts.clerkAuthorizedParties] : undefined,
      })) as unknown as ClerkClaims;
    } catch (err) {
      throw this.#mapError(err);
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') throw Errors.invalidToken();
    if (typeof claims.exp === 'number') {
      const ttl = Math.min(claims.exp * 1000 - Date.now(), TOKEN_CACHE_MAX_MS);
      if (ttl > 0) this.#verified.set(digest, claims, { ttl });
    }
    return claims;
  }

  /** The signing key a token names, from Clerk's key set; an unknown one makes the token invalid. */
  async #keyOf(token: string): Promise<string> {
    const kid = kidOf(token);
    const key = kid && this.#keySet ? await this.#keySet.get(kid) : undefined;
    if (!key) throw Errors.invalidToken();
    return key;
  }

  get keyFetches(): number {
    return this.#keySet?.stats.fetches ?? 0;
  }

  #mapError(err: unknown): AppError {
    if (err instanceof TokenVerificationError) {
      switch (err.reason) {
        case 'token-expired':
          return Errors.tokenExpired();
        case 'jwk-remote-failed-to-load':
        case 'secret-key-invalid':
          this.logger.error({ reason: err.reason, clerkMessage: err.message }, 'Clerk JWKS could not be loaded');
          return Errors.clerkUnavailable();
        case 'jwk-failed-to-resolve':
          return Errors.clerkNotConfigured();
        default:
          return Errors.invalidToken();
      }
    }
    // Anything else escaped the SDK's own handling: a network failure fetching JWKS.
    this.logger.error({ err: { message: (err as Error)?.message } }, 'Clerk verification failed');
    return Errors.clerkUnavailable();
  }

  /**
   * The roles (public_metadata.role) of up to 500 users in one Backend API call (the admin
   * user list: one request per page, not one per user). Users Clerk does not know are absent.
   */
  async rolesOf(clerkUserIds: readonly string[]): Promise<Map<string, string | null>> {
    const roles = new Map<string, string | null>();
    if (clerkUserIds.length === 0) return roles;
    if (!this.#client) throw Errors.clerkNotConfigured();
    this.stats.userLookups++;
    const { data } = await withTimeout(
      this.#client.users.getUserList({ userId: [...clerkUserIds], limit: clerkUserIds.length }),
      this.#timeout,
      'Clerk request timed out',
    );
    for (const user of data) {
      const role = (user.publicMetadata as Record<string, unknown> | undefined)?.role;
      roles.set(user.id, typeof role === 'string' ? role : null);
    }
    return roles;
  }

  /** Drops this instance's cached profile (it changed: live/profile-changes.repository.ts). */
  forgetProfile(clerkUserId: string): void {
    this.#profiles.delete(clerkUserId);
  }

  /** Drops every cached profile (changes may have been missed). */
  forgetAllProfiles(): void {
    this.#profiles.clear();
  }

  /** Whether profiles come from the Backend API (a secret key), not only from token claims. */
  get canLookUp(): boolean {
    return this.#client !== undefined;
  }

  /**
   * Sets (or, with null, removes) the user's public_metadata.role in Clerk. 404 when Clerk
   * does not know the user, 503 when Clerk fails or is not configured.
   */
  async setRole(clerkUserId: string, role: string | null): Promise<void> {
    if (!this.#client) throw Errors.clerkNotConfigured();
    try {
      await withTimeout(
        this.#client.users.updateUserMetadata(clerkUserId, { publicMetadata: { role } }),
        this.#timeout,
        'Clerk request timed out',
      );
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404) throw Errors.notFound('User not found in Clerk');
      this.logger.error({ err: { message: (err as Error).message, status } }, 'Clerk role update failed');
      throw Errors.clerkUnavailable();
    }
  }

  /**
   * Email, first name and role of a user. Claims win when the session token carries
   * them (a Clerk session template with `email` and `public_metadata`); otherwise the
   * Backend API answers, at most once per user per TTL however many requests ask.
   */
  async profile(clerkUserId: string, claims?: ClerkClaims): Promise<ClerkProfile> {
    const fromClaims = claims ? profileFromClaims(claims) : undefined;
    if (fromClaims) return fromClaims;
    if (!this.#client) {
      const known = this.#profiles.get(clerkUserId, { allowStale: true })?.profile;
      if (known) return known;
      throw Errors.clerkNotConfigured();
    }
    const status: LRUCache.Status<string, FetchedProfile> = {};
    let fetched: FetchedProfile | undefined;
    try {
      fetched = await this.#profiles.fetch(clerkUserId, { status });
    } catch {
      throw Errors.clerkUnavailable();
    }
    if (status.fetch === 'hit') this.stats.profileCacheHits++;
    if (!fetched || Date.now() - fetched.fetchedAt > this.#stale) throw Errors.clerkUnavailable();
    if (!fetched.profile) throw Errors.invalidToken();
    return fetched.profile;
  }

  async #fetch(clerkUserId: string): Promise<FetchedProfile> {
    const client = this.#client as ClerkClient;
    this.stats.userLookups++;
    try {
      const user = await withTimeout(client.users.getUser(clerkUserId), this.#timeout, 'Clerk request timed out');
      const primary =
        user.emailAddresses.find((e) => e.id === user.primaryEmailAddressId) ?? user.emailAddresses[0] ?? null;
      const role = (user.publicMetadata as Record<string, unknown> | undefined)?.role;
      const profile: ClerkProfile = {
        email: primary?.emailAddress ?? null,
        firstName: user.firstName ?? null,
        role: typeof role === 'string' ? role : null,
      };
      return { profile, fetchedAt: Date.now() };
    } catch (err) {
      const status = (err as { status?: number }).status;
      // Remembered for the TTL like a profile, so a deleted user cannot make us ask again and again.
      if (status === 404) return { profile: null, fetchedAt: Date.now() };
      this.logger.error({ err: { message: (err as Error).message, status } }, 'Clerk user lookup failed');
      throw err;
    }
  }
}

function profileFromClaims(claims: ClerkClaims): ClerkProfile | undefined {
  const email = typeof claims.email === 'string' ? claims.email : undefined;
  const metadata = (claims.public_metadata ?? claims.metadata) as Record<string, unknown> | undefined;
  if (email === undefined || metadata === undefined || typeof metadata !== 'object') return undefined;
  const firstName = claims.first_name ?? claims.given_name ?? claims.firstName;
  return {
    email,
    firstName: typeof firstName === 'string' ? firstName : null,
    role: typeof metadata?.role === 'string' ? metadata.role : null,
  };
}
