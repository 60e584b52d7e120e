// Rate limits (rate-limiter-flexible): in-process by default, in Redis when several gateway
// instances must share one limit (REDIS_URL). When Redis is unreachable each instance
// falls back to its own in-memory limit rather than dropping the limit or the request.
import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from './logger.js';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the next point frees up (for Retry-After). */
  retryAfterSeconds: number;
}

/** One named limit: `points` per `windowMs` for each key. */
export interface RateLimit {
  consume(key: string): Promise<RateLimitResult>;
}

export interface RateLimits {
  /** The limit called `name` (created once; later calls with the same name share it). */
  limit(name: string, points: number, windowMs: number): RateLimit;
  readonly shared: boolean;
  /** The Redis connection when configured (other shared counters reuse it). */
  readonly redis: Redis | undefined;
  close(): Promise<void>;
}

function wrap(limiter: RateLimiterAbstract, logger: Logger): RateLimit {
  return {
    async consume(key) {
      try {
        const res = await limiter.consume(key);
        return { allowed: true, retryAfterSeconds: res.msBeforeNext / 1000 };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: rejection.msBeforeNext / 1000 };
        }
        // The insurance limiter failed too: let the request through, loudly.
        logger.error(
          { err: { message: (rejection as Error).message } },
          'rate limit store unavailable; allowing request',
        );
        return { allowed: true, retryAfterSeconds: 0 };
      }
    },
  };
}

export function createRateLimits(redisUrl: string | undefined, logger: Logger, prefix = 'torale:rl'): RateLimits {
  const redis = redisUrl
    ? new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false })
    : undefined;
  redis?.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis error (rate limits)'));
  const limits = new Map<string, RateLimit>();
  return {
    shared: redis !== undefined,
    redis,
    limit(name, points, windowMs) {
      const existing = limits.get(name);
      if (existing) return existing;
      const duration = Math.max(1, Math.ceil(windowMs / 1000));
      const memory = new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration });
      const limiter = redis
        ? new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${prefix}:${name}`,
            points,
            duration,
            rejectIfRedisNotReady: true,
            insuranceLimiter: memory,
          })
        : memory;
      const limit = wrap(limiter, logger);
      limits.set(name, limit);
      return limit;
    },
    async close() {
      redis?.disconnect();
    },
  };
}
