// The other user's load for bench/fairness.ts, in a process of its own: the victim's timings
// are taken in the bench process, which must not also be busy receiving the attacker's
// half-megabyte pages (in one process the client's own event loop was part of the
// victim's latency). `ATTACK` (JSON) says what to send: `loops` sequential request loops over
// `requests` (picked at random each time); a 429 is retried after `pauseOn429Ms` (the
// attacker does not honour Retry-After). It runs until SIGTERM, then prints the statuses seen.
import { Agent, request } from 'node:http';

export interface AttackSpec {
  loops: number;
  pauseOn429Ms: number;
  requests: { url: string; method: string; headers: Record<string, string>; body?: string }[];
}

const spec = JSON.parse(process.env.ATTACK ?? '{}') as AttackSpec;
const agent = new Agent({ keepAlive: true, maxSockets: spec.loops });
const statuses: Record<number, number> = {};
let stopping = false;

function send(r: AttackSpec['requests'][number]): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(r.url);
    const req = request(
      { agent, host: u.hostname, port: u.port, path: u.pathname + u.search, method: r.method, headers: r.headers },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(r.body);
  });
}

async function loop(): Promise<void> {
  while (!stopping) {
    const r = spec.requests[Math.floor(Math.random() * spec.requests.length)];
    if (!r) return;
    const s = await send(r);
    statuses[s] = (statuses[s] ?? 0) + 1;
    if (s === 429 || s === 0) await new Promise((res) => setTimeout(res, spec.pauseOn429Ms));
  }
}

const all = Promise.all(Array.from({ length: spec.loops }, loop));
process.on('SIGTERM', () => {
  stopping = true;
  void all.then(() => {
    process.stdout.write(`${JSON.stringify(statuses)}\n`, () => process.exit(0));
  });
});
process.stdout.write('started\n');
