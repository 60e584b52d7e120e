// Latency at one connection: what one caller waits when nothing else is in flight. Requests
// go one after another over a single keep-alive socket, each timed with hrtime (autocannon
// keeps whole milliseconds, too coarse for a 0.3 ms goal). The client's own cost is the same
// for the gateway and its floor, so their difference is what the gateway adds.
import { Agent, request } from 'node:http';
import type { Target } from './load.js';
import { log } from './procs.js';

export interface Distribution {
  n: number;
  /** Percentiles in milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function once(agent: Agent, t: Target, url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: t.method ?? 'GET',
        headers: t.headers,
      },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${t.name} answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(t.body);
  });
}

const pick = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** `n` sequential requests on one socket (after `n / 5` not recorded). */
export async function oneConnection(t: Target, n: number): Promise<Distribution> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(t.url);
  try {
    for (let i = 0; i < Math.ceil(n / 5); i++) await once(agent, t, url);
    const xs = new Float64Array(n);
    for (let i = 0; i < n; i++) xs[i] = await once(agent, t, url);
    xs.sort();
    return { n, p50: pick(xs, 0.5), p90: pick(xs, 0.9), p99: pick(xs, 0.99), p999: pick(xs, 0.999), max: xs[n - 1]! };
  } finally {
    agent.destroy();
  }
}

/** Interleaved rounds of `oneConnection` over the targets; distributions per target name. */
export async function latencyRounds(
  targets: readonly Target[],
  rounds: number,
  n: number,
): Promise<Record<string, Distribution[]>> {
  const out: Record<string, Distribution[]> = {};
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length]!;
      const d = await oneConnection(t, n);
      out[t.name] = [...(out[t.name] ?? []), d];
      log(
        `latency round ${round + 1} ${t.name.padEnd(22)} p50 ${d.p50.toFixed(3)} p90 ${d.p90.toFixed(3)} p99 ${d.p99.toFixed(3)} p99.9 ${d.p999.toFixed(3)} max ${d.max.toFixed(1)} ms`,
      );
    }
  }
  return out;
}
