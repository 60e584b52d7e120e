// Failed authentications per client address. After `limit` failures within a window the
// address gets 429 before any verification work (no SQL, no bcrypt), so guessing keys
// or replaying junk tokens is slow and cheap to refuse. Per instance and in memory: it
// sits in front of every request, where a network round trip would cost too much.
export class AuthFailureLimiter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly maxTracked = 100_000,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  retryAfter(address: string): number {
    const w = this.#windows.get(address);
    if (!w) return 0;
    const now = Date.now();
    if (w.resetAt <= now) {
      this.#windows.delete(address);
      return 0;
    }
    return w.count >= this.limit ? (w.resetAt - now) / 1000 : 0;
  }

  record(address: string): void {
    const now = Date.now();
    const w = this.#windows.get(address);
    if (w && w.resetAt > now) {
      w.count++;
      return;
    }
    if (this.#windows.size >= this.maxTracked) this.#evict(now);
    this.#windows.set(address, { count: 1, resetAt: now + this.windowMs });
  }

  #evict(now: number): void {
    for (const [k, w] of this.#windows) if (w.resetAt <= now) this.#windows.delete(k);
    // Still full: forget the oldest entries rather than grow without bound.
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < this.maxTracked * 0.9) break;
      this.#windows.delete(k);
    }
  }
}
