// Verifies `sk_` keys. Every request costs one indexed query (key joined with its user,
// expiry and scopes included), so revocation, expiry, the end of a rotation's grace and
// disabled users take effect at once on every instance; bcrypt runs only the first time
// this instance sees a given key (caches hold only "this secret matches this hash").
// A revoked or expired key is named as such only once its secret verified; anything
// else is API_KEY_INVALID, so the answer leaks nothing about keys one does not hold.
import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { findKeyWithUserByPrefix, touchLastUsed } from '../api-keys/api-keys.repository.js';
import type { DB, UserRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { Limiter } from '../lib/limiter.js';
import type { Logger } from '../lib/logger.js';
import type { NewSecurityEvent, SecurityLog } from '../security/security-log.js';
import { displayPrefixOf, isWellFormedApiKey } from './api-key-format.js';

export interface ApiKeyStats {
  bcryptCompares: number;
  verifiedCacheHits: number;
  rejectedCacheHits: number;
  formatRejects: number;
}

export interface ApiKeyVerifierOptions {
  cacheSize?: number;
  bcryptConcurrency?: number;
  bcryptMaxQueue?: number;
  /** Waiting comparisons one client address may hold (so one address cannot fill the queue). */
  bcryptMaxQueuePerAddress?: number;
}

const LAST_USED_GRANULARITY_MS = 60_000;

/** A key used from many addresses (a fleet of CI runners) logs the first ones of each day only. */
export const NEW_ADDRESS_EVENTS_PER_KEY_PER_DAY = 20;
/** The detail of a failed-secret event: who sent it is not known, so only its address is kept. */
export const UNVERIFIED_CALLER = 'unverified caller: wrong secret for this key';

export interface VerifiedKey {
  apiKeyId: string;
  user: UserRow;
  scopes: readonly string[];
  expiresAt: Date | null;
  /** Replaced by a rotation (in its grace window). */
  replaced: boolean;
}

/** A key that is no longer active was revoked unless it was retired at (or after) its expiry. */
const wasRevoked = (revokedAt: Date | null, expiresAt: Date | null) =>
  revokedAt !== null && (expiresAt === null || revokedAt < expiresAt);

export class ApiKeyVerifier {
  readonly stats: ApiKeyStats = { bcryptCompares: 0, verifiedCacheHits: 0, rejectedCacheHits: 0, formatRejects: 0 };
  // digest of the key -> the key_hash it was checked against. Keyed by SHA-256 so the
  // process never keeps plaintext keys; bound to key_hash so a changed row re-verifies.
  readonly #verified: LRUCache<string, string>;
  readonly #rejected: LRUCache<string, string>;
  readonly #limiter: Limiter;
  readonly #touching = new Set<string>();
  readonly #comparing = new Map<string, Promise<boolean>>();
  /** (key, address) pairs already logged here; the database keeps the first one across instances. */
  readonly #seenAddresses = new LRUCache<string, true>({ max: 10_000 });
  /** Keys whose failed secret was logged in the last minute (one event per key per minute). */
  readonly #failureLogged = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  #events: SecurityLog | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly logger: Logger,
    opts: ApiKeyVerifierOptions = {},
  ) {
    this.#verified = new LRUCache({ max: opts.cacheSize ?? 10_000 });
    this.#rejected = new LRUCache({ max: opts.cacheSize ?? 10_000 });
    this.#limiter = new Limiter(
      opts.bcryptConcurrency ?? 2,
      opts.bcryptMaxQueue ?? 64,
      opts.bcryptMaxQueuePerAddress ?? 8,
    );
  }

  /** The security log (set by the container once it is built). */
  reportTo(events: SecurityLog): void {
    this.#events = events;
  }

  get bcryptQueue(): { active: number; queued: number } {
    return { active: this.#limiter.active, queued: this.#limiter.queued };
  }

  /** `address` is the client's: waiting bcrypt work is shared fairly between addresses. */
  async verify(key: string, address = '', userAgent?: string): Promise<VerifiedKey> {
    if (!isWellFormedApiKey(key)) {
      this.stats.formatRejects++;
      throw Errors.invalidApiKey();
    }
    const row = await findKeyWithUserByPrefix(this.db, displayPrefixOf(key));
    if (!row) throw Errors.invalidApiKey();
    const who = { userId: row.user.id, apiKeyId: row.key_id, keyPrefix: row.key_prefix, ip: address, userAgent };

    const digest = createHash('sha256').update(key).digest('base64');
    if (this.#verified.get(digest) === row.key_hash) {
      this.stats.verifiedCacheHits++;
    } else if (this.#rejected.get(digest) === row.key_hash) {
      this.stats.rejectedCacheHits++;
      await this.#failed(who);
      throw Errors.invalidApiKey();
    } else if (!(await this.#compareOnce(key, digest, row.key_hash, address))) {
      await this.#failed(who);
      throw Errors.invalidApiKey();
    }

    // The secret is right: now the key's state may be told.
    if (!row.key_is_active && wasRevoked(row.revoked_at, row.expires_at)) throw Errors.invalidApiKey('API_KEY_REVOKED');
    if (!row.key_is_active || (row.expires_at && row.expires_at.getTime() <= Date.now())) {
      await this.#events?.record({ ...who, type: 'api_key.expired', once: `expired:${row.key_id}` });
      throw Errors.apiKeyExpired();
    }
    if (!row.user.is_active) throw Errors.userDisabled();
    const seen = `${row.key_id}|${address}`;
    if (this.#events && !this.#seenAddresses.has(seen)) {
      await this.#events.record({
        ...who,
        type: 'api_key.new_address',
        once: `address:${row.key_id}:${address}`,
        capPerKeyPerDay: NEW_ADDRESS_EVENTS_PER_KEY_PER_DAY,
      });
      this.#seenAddresses.set(seen, true);
    }
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_GRANULARITY_MS) {
      await this.#touch(row.key_id);
    }
    return {
      apiKeyId: row.key_id,
      user: row.user,
      scopes: row.scopes,
      expiresAt: row.expires_at,
      replaced: row.replaced_by_key_id !== null,
    };
  }

  /**
   * A wrong secret for a real key's prefix: logged for its owner at most once per key per
   * minute. Anyone who knows a prefix can cause it, so nothing the caller chose (its
   * User-Agent) is stored: the address only, marked unverified.
   */
  async #failed(who: Omit<NewSecurityEvent, 'type'> & { apiKeyId: string }): Promise<void> {
    if (!this.#events || this.#failureLogged.has(who.apiKeyId)) return;
    this.#failureLogged.set(who.apiKeyId, true);
    const minute = Math.floor(Date.now() / 60_000);
    await this.#events.record({
      ...who,
      userAgent: null,
      detail: UNVERIFIED_CALLER,
      type: 'api_key.auth_failed',
      once: `failed:${who.apiKeyId}:${minute}`,
    });
  }

  /** Concurrent first requests with one key share a single bcrypt run. */
  #compareOnce(key: string, digest: string, keyHash: string, address: string): Promise<boolean> {
    const id = `${digest}:${keyHash}`;
    const pending = this.#comparing.get(id);
    if (pending) return pending;
    const p = this.#limiter
      .run(() => {
        this.stats.bcryptCompares++;
        return bcrypt.compare(key, keyHash);
      }, address)
      .then((ok) => {
        (ok ? this.#verified : this.#rejected).set(digest, keyHash);
        return ok;
      })
      .finally(() => this.#comparing.delete(id));
    this.#comparing.set(id, p);
    return p;
  }

  async #touch(keyId: string): Promise<void> {
    if (this.#touching.has(keyId)) return;
    this.#touching.add(keyId);
    try {
      await touchLastUsed(this.db, keyId);
    } catch (err) {
      // Bookkeeping must not fail an otherwise valid request.
      this.logger.warn({ err: { message: (err as Error).message }, keyId }, 'could not record API key use');
    } finally {
      this.#touching.delete(keyId);
    }
  }
}
