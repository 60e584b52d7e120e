// GitHub's public keys for secret-scanning alerts, fetched from SECRET_SCANNING_KEYS_URL
// and cached: an hour in general, and fetched again (at most once a minute) when an
// alert names a key identifier the cache does not know (GitHub rotated its keys).
import type { Logger } from '../lib/logger.js';

const FRESH_MS = 60 * 60_000;
const REFETCH_UNKNOWN_MS = 60_000;

export class GitHubKeys {
  #keys = new Map<string, string>();
  #fetchedAt = 0;
  #inflight: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    private readonly timeoutMs = 5_000,
  ) {}

  /** The PEM of the key with this identifier, or undefined when GitHub does not list it. */
  async pem(identifier: string): Promise<string | undefined> {
    const age = Date.now() - this.#fetchedAt;
    if (age > FRESH_MS || (!this.#keys.has(identifier) && age > REFETCH_UNKNOWN_MS)) await this.#refresh();
    return this.#keys.get(identifier);
  }

  #refresh(): Promise<void> {
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #fetch(): Promise<void> {
    try {
      const res = await fetch(this.url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { public_keys?: { key_identifier?: unknown; key?: unknown }[] };
      const keys = new Map<string, string>();
      for (const k of body.public_keys ?? []) {
        if (typeof k.key_identifier === 'string' && typeof k.key === 'string') keys.set(k.key_identifier, k.key);
      }
      this.#keys = keys;
      this.#fetchedAt = Date.now();
    } catch (err) {
      // Keep the last known keys; try again on the next alert after the refetch delay.
      this.#fetchedAt = Math.max(this.#fetchedAt, Date.now() - FRESH_MS + REFETCH_UNKNOWN_MS);
      this.logger.warn({ err: { message: (err as Error).message } }, 'could not fetch secret-scanning keys');
    }
  }
}
