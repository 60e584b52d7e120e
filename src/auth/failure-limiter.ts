// Failed authentications per client address. After `limit` failures within a window the
// address gets 429 before any verification work (no SQL, no bcrypt), so guessing keys
// or replaying junk tokens is slow and cheap to refuse. Per instance and in memory: it
// sits in front of every request, where a network round trip would cost too much.
import { RateLimiterMemory } from 'rate-limiter-flexible';

export class AuthFailureLimiter {
  readonly #failures: RateLimiterMemory;

  constructor(
    private readonly limit: number,
    windowMs = 60_000,
  ) {
    this.#failures = new RateLimiterMemory({ points: limit, duration: Math.max(1, Math.ceil(windowMs / 1000)) });
  }

  /** Seconds until the address may try again, or 0 when it may try now. */
  async retryAfter(address: string): Promise<number> {
    const res = await this.#failures.get(address);
    return res && res.consumedPoints >= this.limit ? res.msBeforeNext / 1000 : 0;
  }

  async record(address: string): Promise<void> {
    await this.#failures.penalty(address, 1);
  }
}
