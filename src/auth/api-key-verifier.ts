// Verifies `sk_` keys. Every request costs one indexed query (key joined with its user),
// so revocation and disabled users take effect at once on every instance; bcrypt runs
// only the first time this instance sees a given key.
import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { findKeyWithUserByPrefix, touchLastUsed } from '../api-keys/api-keys.repository.js';
import type { DB, UserRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { Limiter } from '../lib/limiter.js';
import type { Logger } from '../lib/logger.js';
import { displayPrefixOf, isWellFormedApiKey } from './api-key-format.js';

export interface ApiKeyStats {
  bcryptCompares: number;
  verifiedCacheHits: number;
  rejectedCacheHits: number;
  formatRejects: number;
}

export interface ApiKeyVerifierOptions {
  /** Benchmark baseline only: skip the verified-key cache. */
  bcryptEveryRequest?: boolean;
  cacheSize?: number;
  bcryptConcurrency?: number;
  bcryptMaxQueue?: number;
  /** Waiting comparisons one client address may hold (so one address cannot fill the queue). */
  bcryptMaxQueuePerAddress?: number;
}

const LAST_USED_GRANULARITY_MS = 60_000;

export class ApiKeyVerifier {
  readonly stats: ApiKeyStats = { bcryptCompares: 0, verifiedCacheHits: 0, rejectedCacheHits: 0, formatRejects: 0 };
  // digest of the key -> the key_hash it was checked against. Keyed by SHA-256 so the
  // process never keeps plaintext keys; bound to key_hash so a changed row re-verifies.
  readonly #verified: LRUCache<string, string>;
  readonly #rejected: LRUCache<string, string>;
  readonly #limiter: Limiter;
  readonly #touching = new Set<string>();
  readonly #comparing = new Map<string, Promise<boolean>>();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly logger: Logger,
    private readonly opts: ApiKeyVerifierOptions = {},
  ) {
    this.#verified = new LRUCache({ max: opts.cacheSize ?? 10_000 });
    this.#rejected = new LRUCache({ max: opts.cacheSize ?? 10_000 });
    this.#limiter = new Limiter(
      opts.bcryptConcurrency ?? 2,
      opts.bcryptMaxQueue ?? 64,
      opts.bcryptMaxQueuePerAddress ?? 8,
    );
  }

  get bcryptQueue(): { active: number; queued: number } {
    return { active: this.#limiter.active, queued: this.#limiter.queued };
  }

  /** `address` is the client's: waiting bcrypt work is shared fairly between addresses. */
  async verify(key: string, address = ''): Promise<{ apiKeyId: string; user: UserRow }> {
    if (!isWellFormedApiKey(key)) {
      this.stats.formatRejects++;
      throw Errors.invalidApiKey();
    }
    const row = await findKeyWithUserByPrefix(this.db, displayPrefixOf(key));
    if (!row?.key_is_active) throw Errors.invalidApiKey();

    const digest = createHash('sha256').update(key).digest('base64');
    if (this.opts.bcryptEveryRequest) {
      // Benchmark baseline B3: what verification costs without any cache or sharing.
      const ok = await this.#limiter.run(() => {
        this.stats.bcryptCompares++;
        return bcrypt.compare(key, row.key_hash);
      }, address);
      if (!ok) throw Errors.invalidApiKey();
    } else if (this.#verified.get(digest) === row.key_hash) {
      this.stats.verifiedCacheHits++;
    } else if (this.#rejected.get(digest) === row.key_hash) {
      this.stats.rejectedCacheHits++;
      throw Errors.invalidApiKey();
    } else {
      if (!(await this.#compareOnce(key, digest, row.key_hash, address))) throw Errors.invalidApiKey();
    }

    if (!row.user.is_active) throw Errors.userDisabled();
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_GRANULARITY_MS) {
      await this.#touch(row.key_id);
    }
    return { apiKeyId: row.key_id, user: row.user };
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
