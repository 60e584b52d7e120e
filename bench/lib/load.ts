// Load over loopback with autocannon (keep-alive connections, pipelining 1), in rounds:
// each round measures every target once, starting at a different one, so a noisy moment
// hits every measurement rather than one. Besides requests per second, every sample records
// the CPU time the serving process spent per request (and PostgreSQL's backends for it, and
// the load generator's): on a machine shared with other work, throughput follows whoever
// else runs, while CPU per request barely moves — the A/B number that survives a busy machine.
import autocannon from 'autocannon';
import pg from 'pg';
import { cpuMicros, load1, log } from './procs.js';

/** Connections of a throughput measurement: enough that a cheap server is busy, not waiting. */
export const CONNECTIONS = 50;

export interface Target {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** The process serving it, for CPU per request. */
  pid?: number | undefined;
  /** Its PostgreSQL backends: database URL and the application_name its pool connects with. */
  pg?: { url: string; app: string };
  /** A problem with the answer's body, or null when it is what the bench expects. */
  check?: (body: string) => string | null;
}

export interface Sample {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** CPU µs per request of the serving process / its database backends / the load generator. */
  cpuUs: number;
  pgUs: number;
  loadgenUs: number;
  /** 1-minute load average when the sample started. */
  load: number;
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

/** CPU of the PostgreSQL backends of one application on one database (pg_stat_activity → /proc). */
class PgCpu {
  readonly #clients = new Map<string, Promise<pg.Client>>();

  async #pids(url: string, app: string): Promise<number[]> {
    let c = this.#clients.get(url);
    if (!c) {
      c = (async () => {
        const client = new pg.Client({ connectionString: url, application_name: 'bench-probe' });
        client.on('error', () => {});
        await client.connect();
        return client;
      })();
      this.#clients.set(url, c);
    }
    const { rows } = await (await c).query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and application_name = $1',
      [app],
    );
    return rows.map((r) => r.pid);
  }

  /** A reading: call the result after the measurement for the µs spent in between. */
  async start(target: Target): Promise<() => number> {
    if (!target.pg) return () => Number.NaN;
    const { url, app } = target.pg;
    const before = new Map((await this.#pids(url, app)).map((p) => [p, cpuMicros(p)]));
    return () => {
      let us = 0;
      // Backends present at both ends; a pool that opens or closes connections mid-sample is
      // what the warm-up burst before each sample is for.
      for (const [p, t0] of before) {
        const t1 = cpuMicros(p);
        if (Number.isFinite(t1) && Number.isFinite(t0)) us += t1 - t0;
      }
      return us;
    };
  }

  async close(): Promise<void> {
    for (const c of this.#clients.values()) await (await c).end().catch(() => {});
    this.#clients.clear();
  }
}

export const pgCpu = new PgCpu();

const cannon = (t: Target, extra: { duration?: number; amount?: number }) =>
  autocannon({
    url: t.url,
    method: t.method ?? 'GET',
    headers: t.headers,
    body: t.body,
    connections: t.connections ?? CONNECTIONS,
    timeout: 30,
    ...extra,
  });

/**
 * Requests autocannon gave up on at the deadline may still be running on the server: let
 * them finish before the CPU is read and the next measurement starts.
 */
const settle = (p99: number) => new Promise((r) => setTimeout(r, Math.min(3000, Math.max(250, 2 * p99))));

export async function measure(t: Target, seconds: number): Promise<Sample> {
  // A short burst first, not recorded: pools that idled out reconnect, the JIT is warm again.
  const warm = await cannon(t, { duration: 0.4 });
  await settle(warm.latency.p99);
  const load = load1();
  const pgRead = await pgCpu.start(t);
  const cpu0 = cpuMicros(t.pid);
  const gen0 = process.cpuUsage();
  const r = await cannon(t, { duration: seconds });
  const gen = process.cpuUsage(gen0);
  await settle(r.latency.p99);
  // Requests sent, not only those answered by the deadline: the server did the work of both.
  const sent = Math.max(1, r.requests.sent);
  return {
    rps: r.requests.total / seconds,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts + r.non2xx,
    cpuUs: (cpuMicros(t.pid) - cpu0) / sent,
    pgUs: pgRead() / sent,
    loadgenUs: (gen.user + gen.system) / sent,
    load,
  };
}

/** Warm-up (not recorded), then `rounds` interleaved rounds; samples per target name. */
export async function runRounds(
  targets: readonly Target[],
  rounds: number,
  seconds: number,
): Promise<Record<string, Sample[]>> {
  // A full measurement each: a 1 s warm-up left B-apollo cold in round 1 (0.4× its round 2).
  for (const t of targets) await measure(t, Math.max(1, seconds));
  const samples: Record<string, Sample[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length]!;
      const s = await measure(t, seconds);
      samples[t.name] = [...(samples[t.name] ?? []), s];
      log(
        `round ${round + 1} ${t.name.padEnd(28)} ${s.rps.toFixed(0).padStart(7)} req/s  p50 ${s.p50} ms  p99 ${s.p99} ms  ` +
          `CPU ${s.cpuUs.toFixed(0)} µs/req (busy ${((s.rps * s.cpuUs) / 1e4).toFixed(0)} %; db ${s.pgUs.toFixed(0)}, load gen ${s.loadgenUs.toFixed(0)})  load ${s.load}  errors ${s.errors}`,
      );
    }
  }
  return samples;
}

export const median = (xs: readonly number[]): number => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Median over rounds of a/b (of `key`), each ratio taken within one round. */
export function roundRatio(
  samples: Record<string, Sample[]>,
  a: string,
  b: string,
  key: 'rps' | 'cpuUs' = 'rps',
): number {
  const xs = samples[a] ?? [];
  const ys = samples[b] ?? [];
  return median(xs.map((x, i) => x[key] / (ys[i]?.[key] ?? Number.NaN)).filter(Number.isFinite));
}

export const medianOf = (samples: Record<string, Sample[]>, name: string, key: keyof Sample): number =>
  median((samples[name] ?? []).map((s) => s[key]));

export const medianRps = (samples: Record<string, Sample[]>, name: string): number => medianOf(samples, name, 'rps');

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
