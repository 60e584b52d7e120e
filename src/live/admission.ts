// Who may open a live socket (issue 23, finding 5). An upgrade without credentials counts
// against the anonymous limit of its address, as any credential-less request does, and so
// does a connection_init without credentials; sockets that have not finished their
// connection_init are capped, in all and per address, so one address cannot hold
// thousands of idle sockets (each costs memory and a timer until LIVE_INIT_TIMEOUT_MS).
import type { RateLimit } from '../lib/rate-limit.js';

export interface AdmissionLimits {
  /** Sockets awaiting connection_init on this instance. */
  pendingTotal: number;
  /** Of those, from one address. */
  pendingPerAddress: number;
}

export type Refusal = { status: 429 | 503; retryAfterSeconds: number } | undefined;

export class LiveAdmission {
  readonly #pending = new Map<string, number>();
  #total = 0;

  constructor(
    private readonly anonymous: RateLimit,
    private readonly limits: AdmissionLimits,
  ) {}

  get pending(): number {
    return this.#total;
  }

  /**
   * Decides an upgrade before the socket exists; on admission the socket is counted as
   * awaiting init until `settled` (init done, refused or closed) is called.
   */
  async upgrade(address: string, hasCredentials: boolean): Promise<{ refused: Refusal; settled: () => void }> {
    const none = () => {};
    if (!hasCredentials) {
      const quota = await this.anonymous.consume(address);
      if (!quota.allowed)
        return { refused: { status: 429, retryAfterSeconds: quota.retryAfterSeconds }, settled: none };
    }
    const mine = this.#pending.get(address) ?? 0;
    if (mine >= this.limits.pendingPerAddress) return { refused: { status: 429, retryAfterSeconds: 5 }, settled: none };
    if (this.#total >= this.limits.pendingTotal)
      return { refused: { status: 503, retryAfterSeconds: 5 }, settled: none };
    this.#pending.set(address, mine + 1);
    this.#total++;
    let done = false;
    return {
      refused: undefined,
      settled: () => {
        if (done) return;
        done = true;
        this.#total--;
        const left = (this.#pending.get(address) ?? 1) - 1;
        if (left > 0) this.#pending.set(address, left);
        else this.#pending.delete(address);
      },
    };
  }
}

/** The raw HTTP answer to a refused upgrade (no WebSocket exists yet). */
export function refusalResponse(r: NonNullable<Refusal>): string {
  const reason = r.status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  const body = JSON.stringify({ detail: r.status === 429 ? 'Too many requests' : 'Server is busy, please retry' });
  return [
    `HTTP/1.1 ${r.status} ${reason}`,
    `Retry-After: ${Math.max(1, Math.ceil(r.retryAfterSeconds))}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}
