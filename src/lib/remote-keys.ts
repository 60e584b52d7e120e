// Public keys fetched from someone else's server and kept by id — Clerk's JWKS for session
// tokens, GitHub's keys for secret-scanning alerts. One fetch serves every request waiting
// for it; an id the set does not know fetches again at most once per cooldown, so requests
// naming made-up ids cannot make us call the other side once each; a failed fetch is not
// retried before `retryAfterFailureMs`.

export interface RemoteKeysOptions {
  /** Fetches the keys (id → PEM); throws when they cannot be had. */
  fetch: () => Promise<Map<string, string>>;
  /** Least time between two fetches caused by unknown ids. */
  unknownCooldownMs: number;
  /** Known keys are fetched again after this long; default: kept until an unknown id asks. */
  maxAgeMs?: number;
  /** After a failed fetch, lookups that need one do not ask again for this long. */
  retryAfterFailureMs: number;
  /** Keys the last fetch no longer lists are forgotten (else kept, for tokens signed before a rotation). */
  forgetUnlisted: boolean;
  /** What a lookup that needed the failed fetch throws; default: it answers with what is known. */
  unavailable?: () => Error;
}

export class RemoteKeys {
  readonly stats = { fetches: 0 };
  #keys = new Map<string, string>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #failedAt = Number.NEGATIVE_INFINITY;
  #inFlight: Promise<boolean> | undefined;

  constructor(private readonly opts: RemoteKeysOptions) {}

  /** The key with this id, undefined when the other side does not list it. */
  async get(id: string): Promise<string | undefined> {
    const { maxAgeMs = Number.POSITIVE_INFINITY, unknownCooldownMs, retryAfterFailureMs } = this.opts;
    const now = Date.now();
    const known = this.#keys.get(id);
    const stale = now - this.#fetchedAt >= maxAgeMs;
    if (known !== undefined && !stale) return known;
    if (!this.#inFlight) {
      if (now - this.#failedAt < retryAfterFailureMs) return this.#failed(known);
      if (!stale && now - this.#fetchedAt < unknownCooldownMs) return undefined;
      this.#inFlight = this.#fetch().finally(() => {
        this.#inFlight = undefined;
      });
    }
    return (await this.#inFlight) ? this.#keys.get(id) : this.#failed(this.#keys.get(id));
  }

  #failed(known: string | undefined): string | undefined {
    if (this.opts.unavailable && known === undefined) throw this.opts.unavailable();
    return known;
  }

  async #fetch(): Promise<boolean> {
    this.stats.fetches++;
    try {
      const fresh = await this.opts.fetch();
      this.#keys = this.opts.forgetUnlisted ? fresh : new Map([...this.#keys, ...fresh]);
      this.#fetchedAt = Date.now();
      this.#failedAt = Number.NEGATIVE_INFINITY;
      return true;
    } catch {
      this.#failedAt = Date.now();
      return false;
    }
  }
}
