// Apollo's KeyValueCache over Redis, so automatic persisted queries registered through one
// gateway instance are known to all of them.
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export class RedisKeyValueCache {
  readonly #redis: Redis;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly prefix = 'torale:apq:',
  ) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.#redis.on('error', (err) => this.logger.warn({ err: { message: err.message } }, 'redis error (APQ cache)'));
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.#redis.get(this.prefix + key)) ?? undefined;
    } catch {
      // A miss makes the client resend the full query: degraded, not broken.
      return undefined;
    }
  }

  async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
    try {
      const ttl = options?.ttl ?? 24 * 3600;
      await this.#redis.set(this.prefix + key, value, 'EX', Math.max(1, Math.round(ttl)));
    } catch {}
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.#redis.del(this.prefix + key)) > 0;
    } catch {
      return false;
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}
