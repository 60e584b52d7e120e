// CPU per API-key request, read from /proc: `GET /auth/me` with a native key (and with a key
// carried over from Torale when the build accepts them) and GraphQL `{ me { id email } }` with
// the native key, against two compiled gateways on one
// database, in interleaved rounds — typically the build before a change and the one after.
//
//   npx tsx bench/key-cpu.ts --a=/path/to/old/dist/src/main.js --b=dist/src/main.js [--requests=20000] [--rounds=5] [--port=18400]
//
// Each round sends the same number of requests to each target (10 keep-alive connections)
// and divides the process's utime+stime (clock ticks from /proc/<pid>/stat) by the requests
// answered; the median of the rounds is printed. Only CPU time is compared, never wall time.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import autocannon from 'autocannon';
import bcrypt from 'bcrypt';
import { displayPrefixOf, generateApiKey } from '../src/auth/api-key-format.js';
import { createDatabase, query } from './lib/db.js';
import { clerkKeys } from './lib/gateway.js';
import { log, Procs, waitHealthy } from './lib/procs.js';

const arg = (name: string, dflt?: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
const TICK_US = 1_000_000 / 100; // getconf CLK_TCK is 100 on Linux x86-64

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** The format check alone, in this process: CPU ns per native key, each build's module in turn. */
async function formatCheckNs(builds: Record<string, string>): Promise<void> {
  const keys = Array.from({ length: 10_000 }, generateApiKey);
  const checks = await Promise.all(
    Object.entries(builds).map(async ([name, main]) => {
      const mod = await import(resolve(dirname(resolve(main)), 'auth/api-key-format.js'));
      return { name, check: mod.isWellFormedApiKey as (k: string) => boolean, ns: [] as number[] };
    }),
  );
  for (let round = 0; round <= 7; round++) {
    for (const c of round % 2 ? [...checks].reverse() : checks) {
      const start = process.cpuUsage();
      let ok = 0;
      for (let i = 0; i < 50; i++) for (const k of keys) if (c.check(k)) ok++;
      const used = process.cpuUsage(start);
      if (ok !== 50 * keys.length) throw new Error(`${c.name} refused a native key`);
      if (round > 0) c.ns.push(((used.user + used.system) * 1000) / (50 * keys.length));
    }
  }
  console.log('| format check, native key | CPU ns per call (median of 7) |');
  console.log('| --- | --- |');
  for (const c of checks) console.log(`| ${c.name} | ${median(c.ns).toFixed(0)} |`);
}

async function main() {
  const builds = { a: arg('a'), b: arg('b', 'dist/src/main.js') };
  if (!builds.a) throw new Error('--a=<main.js of the build to compare against> is required');
  const requests = Number(arg('requests', '20000'));
  const rounds = Number(arg('rounds', '5'));
  let port = Number(arg('port', '18400'));
  await formatCheckNs(builds as Record<string, string>);
  const db = await createDatabase('keycpu');
  const procs = new Procs();
  try {
    const native = generateApiKey();
    const torale = `sk_${randomBytes(32).toString('base64url')}`;
    const [user] = await query<{ id: string }>(
      db.url,
      `insert into users (clerk_user_id, email) values ('user_keycpu', 'keycpu@example.com') returning id`,
    );
    const [other] = await query<{ id: string }>(
      db.url,
      `insert into users (clerk_user_id, email) values ('user_keycpu_t', 'keycpu-t@example.com') returning id`,
    );
    for (const [userId, key] of [
      [user?.id, native],
      [other?.id, torale],
    ] as const) {
      const hash = await bcrypt.hash(key, 10);
      await query(
        db.url,
        `insert into api_keys (user_id, key_prefix, key_hash, name) values ('${userId}', '${displayPrefixOf(key)}', '${hash}', 'cpu')`,
      );
    }
    const { jwtKey } = await clerkKeys();
    const gateways = [];
    for (const [name, main] of Object.entries(builds)) {
      const p = await procs.start(
        name,
        [main as string],
        {
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          DATABASE_URL: db.url,
          CLERK_JWT_KEY: jwtKey,
          LOG_LEVEL: 'silent',
          TORALE_RUNNER: '0',
          SHUTDOWN_DRAIN_MS: '0',
          // Every request answered, the budget still counting (the REST default of 1,200 a
          // minute would turn a round into 429s).
          RATE_LIMIT_REST_REQUESTS: '10000000',
          RATE_LIMIT_GRAPHQL_POINTS: '1000000000',
        },
        { gateway: true, port: port++ },
      );
      await waitHealthy(p);
      gateways.push(p);
    }
    const ME = JSON.stringify({ query: '{ me { id email } }' });
    const targets = gateways.flatMap((g) => [
      { name: `${g.name} native`, g, key: native },
      { name: `${g.name} torale`, g, key: torale },
      // GraphQL `me` with the native key (issue 26's G1 request).
      { name: `${g.name} graphql me`, g, key: native, body: ME },
    ]);
    const send = (t: (typeof targets)[number]) =>
      t.body
        ? {
            url: `${t.g.url}/graphql`,
            method: 'POST' as const,
            body: t.body,
            headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' },
          }
        : { url: `${t.g.url}/auth/me`, headers: { authorization: `Bearer ${t.key}` } };
    const usable = [];
    for (const t of targets) {
      const { url, ...init } = send(t);
      const res = await fetch(url, init as RequestInit);
      if (res.status === 200) usable.push(t);
      else log(`${t.name}: ${res.status} (this build does not accept that key) — not measured`);
    }
    const samples = new Map<string, number[]>();
    for (let r = 0; r <= rounds; r++) {
      for (const t of r % 2 ? [...usable].reverse() : usable) {
        const pid = t.g.child.pid as number;
        const before = cpuTicks(pid);
        const result = await autocannon({
          ...send(t),
          connections: 10,
          amount: requests,
        });
        const ticks = cpuTicks(pid) - before;
        const ok = result['2xx'];
        if (ok !== requests) log(`${t.name}: ${ok} of ${requests} answered 2xx`);
        if (r === 0) continue; // warm-up round
        samples.set(t.name, [...(samples.get(t.name) ?? []), (ticks * TICK_US) / Math.max(ok, 1)]);
      }
    }
    console.log('| target | CPU µs per request (median) | rounds |');
    console.log('| --- | --- | --- |');
    for (const [name, xs] of samples) {
      console.log(`| ${name} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(', ')} |`);
    }
  } finally {
    await procs.close();
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
