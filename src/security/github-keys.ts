// GitHub's public keys for secret-scanning alerts, fetched from SECRET_SCANNING_KEYS_URL
// and cached (src/lib/remote-keys.ts): an hour in general, and fetched again (at most once
// a minute) when an alert names a key identifier the cache does not know (GitHub rotated
// its keys). While GitHub cannot be reached, the last known keys answer.
import type { Logger } from '../lib/logger.js';
import { RemoteKeys } from '../lib/remote-keys.js';

export function gitHubKeys(url: string, logger: Logger, timeoutMs = 5_000): RemoteKeys {
  return new RemoteKeys({
    maxAgeMs: 60 * 60_000,
    unknownCooldownMs: 60_000,
    retryAfterFailureMs: 60_000,
    forgetUnlisted: true,
    fetch: async () => {
      try {
        const res = await fetch(url, {
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const body = (await res.json()) as { public_keys?: { key_identifier?: unknown; key?: unknown }[] };
        const keys = new Map<string, string>();
        for (const k of body.public_keys ?? []) {
          if (typeof k.key_identifier === 'string' && typeof k.key === 'string') keys.set(k.key_identifier, k.key);
        }
        return keys;
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'could not fetch secret-scanning keys');
        throw err;
      }
    },
  });
}
