// Fixed-window counters: in-process by default, Redis when several gateway instances
// must share one limit (REDIS_URL).
import { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
  close(): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();
  #lastSweep = Date.now();

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    const now = Date.now();
    this.#sweep(now);
    let w = this.#windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.#windows.set(key, w);
    }
    w.count++;
    return { allowed: w.count <= limit, retryAfterSeconds: (w.resetAt - now) / 1000 };
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < 60_000) return;
    this.#lastSweep = now;
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
  }

  async close(): Promise<void> {}
}

const HIT_SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {c, ttl}`;

export class RedisRateLimiter implements RateLimiter {
  readonly #redis: Redis;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly prefix = 'torale:rl:',
  ) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    this.#redis.on('error', (err) => this.logger.warn({ err: { message: err.message } }, 'redis error'));
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    try {
      const [count, ttl] = (await this.#redis.eval(HIT_SCRIPT, 1, this.prefix + key, String(windowMs))) as [
        number,
        number,
      ];
      return { allowed: count <= limit, retryAfterSeconds: Math.max(ttl, 0) / 1000 };
    } catch (err) {
      // A rate limit must not take the API down with Redis: fail open, loudly.
      this.logger.error({ err: { message: (err as Error).message } }, 'rate limit store unavailable; allowing request');
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}

export function createRateLimiter(redisUrl: string | undefined, logger: Logger): RateLimiter {
  return redisUrl ? new RedisRateLimiter(redisUrl, logger) : new MemoryRateLimiter();
}
