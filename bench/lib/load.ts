// Load over loopback with autocannon (keep-alive connections, pipelining 1), in rounds:
// each round measures every target once, starting at a different one, so a noisy moment
// hits every measurement rather than one.
import autocannon from 'autocannon';
import { log } from './procs.js';

export interface Target {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** A problem with the answer's body, or null when it is what the bench expects. */
  check?: (body: string) => string | null;
}

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

export const gql = (url: string, query: string, token?: string): Omit<Target, 'name'> => ({
  url: `${url}/graphql`,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
  body: JSON.stringify({ query }),
});

export const rest = (url: string, token?: string): Omit<Target, 'name'> => ({
  url,
  headers: token ? { authorization: `Bearer ${token}` } : {},
});

/** One request to every target: 200, no GraphQL errors, and what `check` wants. */
export async function verify(targets: readonly Target[]): Promise<void> {
  for (const t of targets) {
    const res = await fetch(t.url, { method: t.method ?? 'GET', headers: t.headers, body: t.body });
    const text = await res.text();
    const problem =
      res.status !== 200 || text.includes('"errors"')
        ? `answered ${res.status}: ${text.slice(0, 300)}`
        : (t.check?.(text) ?? null);
    if (problem) throw new Error(`${t.name} ${problem}`);
  }
}

export async function measure(t: Target, seconds: number): Promise<Sample> {
  const r = await autocannon({
    url: t.url,
    method: t.method ?? 'GET',
    headers: t.headers,
    body: t.body,
    connections: t.connections ?? 10,
    duration: seconds,
    timeout: 30,
  });
  return {
    rps: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

/**
 * Requests autocannon gave up on at the deadline may still be running on the server: let
 * them finish before the next measurement starts.
 */
const settle = (s: Sample) => new Promise((r) => setTimeout(r, Math.min(3000, Math.max(250, 2 * s.p99))));

/** Warm-up (not recorded), then `rounds` interleaved rounds; samples per target name. */
export async function runRounds(
  targets: readonly Target[],
  rounds: number,
  seconds: number,
): Promise<Record<string, Sample[]>> {
  // A full measurement each: a 1 s warm-up left B-apollo cold in round 1 (0.4× its round 2).
  for (const t of targets) await settle(await measure(t, Math.max(1, seconds)));
  const samples: Record<string, Sample[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length]!;
      const s = await measure(t, seconds);
      await settle(s);
      samples[t.name] = [...(samples[t.name] ?? []), s];
      log(
        `round ${round + 1} ${t.name.padEnd(28)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  errors ${s.errors}`,
      );
    }
  }
  return samples;
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median over rounds of a/b, each ratio taken within one round. */
export function roundRatio(samples: Record<string, Sample[]>, a: string, b: string): number {
  const xs = samples[a] ?? [];
  const ys = samples[b] ?? [];
  return median(xs.map((x, i) => x.rps / (ys[i]?.rps ?? Number.NaN)).filter(Number.isFinite));
}

export const medianRps = (samples: Record<string, Sample[]>, name: string): number =>
  median((samples[name] ?? []).map((s) => s.rps));

export const totalErrors = (samples: Record<string, Sample[]>): number =>
  Object.values(samples)
    .flat()
    .reduce((a, s) => a + s.errors, 0);

/**
 * SQL statements per request, counted exactly: `n` sequential requests, nothing else in flight,
 * the gateway's `torale_db_queries_total` before and after.
 */
export async function sqlPerRequest(gatewayUrl: string, t: Target, n = 5): Promise<number> {
  const read = async () => {
    const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('torale_db_queries_total '));
    return Number(line?.split(' ')[1] ?? Number.NaN);
  };
  const before = await read();
  for (let i = 0; i < n; i++) {
    await (await fetch(t.url, { method: t.method ?? 'GET', headers: t.headers, body: t.body })).text();
  }
  return ((await read()) - before) / n;
}
