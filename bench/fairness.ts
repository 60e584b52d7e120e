// `npm run bench:fairness [-- --no-build]` (issue 23, "What must show" 2): another user's
// GET /auth/me, idle and while (a) one key sends eight concurrent maximum-cost GraphQL pages,
// (b) one user's 48 deliveries to a slow webhook plus replays run — each as a ratio to the
// idle p50/p99 of the same user on the same gateway process in the same run (the goal:
// within 2×). The same (a) on a second gateway with the budget off shows what the budget
// changes, and the CPU per /auth/me with and without it is what the budget costs.
//
// How it measures, on a machine shared with other work:
// - The attacker runs in a process of its own (bench/lib/attacker.ts), so the victim's
//   client is not also busy receiving the attacker's pages.
// - The victim is an honest client: one request every VICTIM_EVERY_MS on one keep-alive
//   socket (inside its REST budget), each timed with hrtime; every answer counts (a 429 or
//   503 is a result, not a crash).
// - (a) lasts a whole budget window (the budget is per window, so a shorter attack would
//   see either the first burst or only refusals); idle is measured before (a), between (a)
//   and (b) and after (b), and the three are pooled.
// Ports: BENCH_PORT_BASE (default 18500). The load average is printed beside every figure.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createDatabase, query, sweepLeftovers } from './lib/db.js';
import { notifyingAgent, slowTarget } from './lib/fairness-servers.js';
import { clerkKeys, startGateway } from './lib/gateway.js';
import type { Distribution } from './lib/latency.js';
import { cpuMicros, load1, log, Procs, ROOT } from './lib/procs.js';
import { seedBenchUser } from './lib/seed.js';

process.env.BENCH_PORT_BASE ??= '18500';
const sec = (name: string, dflt: number) => (Number(process.env[name]) || dflt) * 1000;
const IDLE_MS = sec('FAIRNESS_IDLE_SECONDS', 10);
/** (a) covers one whole budget window (60 s) and a bit. */
const ATTACK_MS = sec('FAIRNESS_ATTACK_SECONDS', 65);
const OFF_MS = sec('FAIRNESS_OFF_SECONDS', 20);
const DELIVERIES_MAX_MS = sec('FAIRNESS_DELIVERIES_SECONDS', 60);
/** 16.7 requests a second: under the default REST budget of 1,200 a minute. */
const VICTIM_EVERY_MS = Number(process.env.FAIRNESS_VICTIM_EVERY_MS) || 60;
// The dashboard's task list with every scalar: cost 2,000 for 1,000 tasks (@listSize(assumedSize: 1000)), under the 5,000 cap.
const MAX_PAGE = JSON.stringify({
  query: `{ tasks { id name searchQuery conditionDescription state nextRun isPublic viewCount subscriberCount
    createdAt updatedAt lastExecution { id status startedAt completedAt errorMessage notification createdAt } } }`,
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Samples {
  xs: number[];
  statuses: Record<number, number>;
}

/** The victim: one GET every VICTIM_EVERY_MS (or right after the last one, when it took longer) until `until()`. */
async function victim(
  url: string,
  token: string,
  until: (n: number) => boolean,
  everyMs = VICTIM_EVERY_MS,
): Promise<Samples> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const u = new URL(url);
  const out: Samples = { xs: [], statuses: {} };
  let next = performance.now();
  try {
    while (!until(out.xs.length)) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next = performance.now() + everyMs;
      const t0 = process.hrtime.bigint();
      const status = await new Promise<number>((resolve) => {
        const req = request(
          { agent, host: u.hostname, port: u.port, path: u.pathname, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.on('data', () => {});
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve(0));
          },
        );
        req.on('error', () => resolve(0));
        req.end();
      });
      out.xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      out.statuses[status] = (out.statuses[status] ?? 0) + 1;
    }
  } finally {
    agent.destroy();
  }
  return out;
}

const forMs = (ms: number) => {
  const end = Date.now() + ms;
  return () => Date.now() >= end;
};

function dist(...samples: Samples[]): Distribution & { statuses: Record<number, number> } {
  const xs = samples.flatMap((s) => s.xs).sort((a, b) => a - b);
  const statuses: Record<number, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.statuses)) statuses[+k] = (statuses[+k] ?? 0) + v;
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
  return { n: xs.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: xs.at(-1) ?? 0, statuses };
}

/** The attacker process (bench/lib/attacker.ts); `stop()` ends it and returns the statuses it saw. */
async function attack(spec: object): Promise<{ stop(): Promise<string> }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'bench/lib/attacker.ts'], {
    cwd: ROOT,
    env: { ...process.env, ATTACK: JSON.stringify(spec) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  while (!out.includes('started')) {
    if (child.exitCode !== null) throw new Error(`attacker exited ${child.exitCode}`);
    await sleep(50);
  }
  return {
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      return out.replace('started', '').trim();
    },
  };
}

async function main() {
  if (!process.argv.includes('--no-build')) {
    log('building (npm run build)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  await sweepLeftovers();
  const started = Date.now();
  const procs = new Procs();
  const db = await createDatabase('fairness');
  const [agent, slow, clerk] = await Promise.all([notifyingAgent(), slowTarget(3000), clerkKeys()]);
  const stopAll = async () => {
    await procs.close();
    await agent.close();
    slow.server.closeAllConnections();
    slow.server.close();
    await db.drop();
  };
  process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
  try {
    const attacker = await seedBenchUser(db.url);
    await query(
      db.url,
      `insert into users (clerk_user_id, email, first_name) values ('user_victim', 'v@example.com', 'V'), ('user_cpu', 'c@example.com', 'C')`,
      // 48 of the attacker's tasks notify the slow webhook.
      `update tasks set notifications = '[{"type":"webhook","url":"${slow.url}","method":"POST","headers":{}}]'::jsonb,
         webhook_secret = 'whsec_' || encode(sha256(random()::text::bytea), 'base64'), state = 'active'
       where id in (select id from tasks where user_id = '${attacker.userId}' order by name limit 48)`,
      // Active tasks run tomorrow, not at start (the forgotten-task sweep would start every
      // unscheduled one at once): (b)'s deliveries begin when the bench runs them.
      `update tasks set next_run = now() + interval '1 day', next_dispatch_at = now() + interval '1 day'
       where user_id = '${attacker.userId}' and state = 'active'`,
    );
    const hookTasks = await query<{ id: string }>(
      db.url,
      `select id from tasks where user_id = '${attacker.userId}' and notifications::text like '%/slow%'`,
    );
    const gw = await startGateway(procs, 'gateway', db.url, clerk.jwtKey, {
      TORALE_RUNNER: '1',
      TORALE_AGENT_URL: agent.url,
      WEBHOOK_ALLOW_INSECURE_TARGETS: '1',
      WEBHOOK_TIMEOUT_MS: '10000',
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '0',
    });
    const victimToken = await clerk.token('user_victim');
    const keyH = { authorization: `Bearer ${attacker.key}`, 'content-type': 'application/json' };
    const pages = (url: string) => ({
      loops: 8,
      pauseOn429Ms: 20,
      requests: [{ url: `${url}/graphql`, method: 'POST', headers: keyH, body: MAX_PAGE }],
    });
    const lines: string[] = [];
    const say = (line: string) => {
      log(line);
      lines.push(line);
    };
    const fmt = (d: Distribution) => `p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms (n ${d.n})`;
    const ratio = (label: string, d: ReturnType<typeof dist>, idle: Distribution, extra: string) =>
      say(
        `${label}: ${fmt(d)} → ${(d.p50 / idle.p50).toFixed(2)}× p50, ${(d.p99 / idle.p99).toFixed(2)}× p99 of idle; victim ${JSON.stringify(d.statuses)}, ${extra}`,
      );
    const idleSlot = async (url: string, label: string) => {
      const s = await victim(`${url}/auth/me`, victimToken, forMs(IDLE_MS));
      log(`${label}: ${fmt(dist(s))} (load ${load1().toFixed(1)})`);
      return s;
    };

    // (a) on the gateway with the default budget.
    const idle1 = await idleSlot(gw.url, 'idle before (a)');
    let loadA = load1();
    let a = await attack(pages(gw.url));
    const duringA = await victim(`${gw.url}/auth/me`, victimToken, forMs(ATTACK_MS));
    const pagesA = await a.stop();
    loadA = (loadA + load1()) / 2;
    const idle2 = await idleSlot(gw.url, 'idle between (a) and (b)');

    // (b) 48 deliveries to a target that holds each 3 s (at most WEBHOOK_DELIVERY_PER_USER of
    // them at once), and replays in a loop, while they run.
    const receivedBefore = slow.received();
    for (const t of hookTasks) await fetch(`${gw.url}/api/v1/tasks/${t.id}/execute`, { method: 'POST', headers: keyH });
    const deliveries = () =>
      query<{ id: string; task_id: string }>(
        db.url,
        `select d.id, d.task_id from notification_deliveries d join tasks t on t.id = d.task_id where t.user_id = '${attacker.userId}' limit 5`,
      );
    for (let i = 0; i < 100 && (await deliveries()).length === 0; i++) await sleep(100);
    const some = await deliveries();
    let loadB = load1();
    const b = await attack({
      loops: 2,
      pauseOn429Ms: 20,
      requests: some.map((d) => ({
        url: `${gw.url}/api/v1/tasks/${d.task_id}/webhook/deliveries/${d.id}/replay`,
        method: 'POST',
        headers: keyH,
      })),
    });
    const tB = Date.now();
    const duringB = await victim(
      `${gw.url}/auth/me`,
      victimToken,
      () => Date.now() - tB > DELIVERIES_MAX_MS || (slow.received() - receivedBefore >= 48 && slow.inFlight() === 0),
    );
    const replays = await b.stop();
    loadB = (loadB + load1()) / 2;
    const bSeconds = ((Date.now() - tB) / 1000).toFixed(0);
    const idle3 = await idleSlot(gw.url, 'idle after (b)');
    const idle = dist(idle1, idle2, idle3);
    say(`gateway (default budget), idle: ${fmt(idle)}, victim ${JSON.stringify(idle.statuses)}`);
    ratio(
      `(a) 8 concurrent max-cost pages from one key, ${ATTACK_MS / 1000} s`,
      dist(duringA),
      idle,
      `pages ${pagesA} (load ${loadA.toFixed(1)})`,
    );
    ratio(
      `(b) 48 slow deliveries + replays, ${bSeconds} s`,
      dist(duringB),
      idle,
      `replays ${replays}, target got ${slow.received() - receivedBefore} requests during, ${slow.received()} in all, at most ${slow.maxInFlight()} at once (load ${loadB.toFixed(1)})`,
    );

    // The same (a) with the budget off, for comparison (shorter: it is slow).
    const off = await startGateway(procs, 'gateway-budget-off', db.url, clerk.jwtKey, {
      RATE_LIMIT_REST_REQUESTS: '0',
      RATE_LIMIT_GRAPHQL_POINTS: '0',
      RATE_LIMIT_EXPENSIVE_CONCURRENCY: '1000',
      RATE_LIMIT_EXPENSIVE_SHARE: '100',
      RATE_LIMIT_REFUSAL_HOLD_MS: '0',
    });
    const idleOff = dist(await idleSlot(off.url, 'budget off, idle'));
    a = await attack(pages(off.url));
    const duringOff = dist(await victim(`${off.url}/auth/me`, victimToken, forMs(OFF_MS)));
    const pagesOff = await a.stop();
    say(`budget off, idle: ${fmt(idleOff)}`);
    ratio(`budget off, (a) ${OFF_MS / 1000} s`, duringOff, idleOff, `pages ${pagesOff} (load ${load1().toFixed(1)})`);

    // What the budget costs on the request path: CPU per /auth/me (another session user, whose
    // REST budget is untouched), on and off, same load, runner idle.
    const cpuToken = await clerk.token('user_cpu');
    for (const p of [gw, off]) {
      const n = 600;
      await victim(`${p.url}/auth/me`, cpuToken, (i) => i >= 100, 0);
      const before = cpuMicros(p.child.pid);
      const s = await victim(`${p.url}/auth/me`, cpuToken, (i) => i >= n, 0);
      const per = (cpuMicros(p.child.pid) - before) / n;
      say(
        `CPU per /auth/me (${p.name}): ${per.toFixed(0)} µs, ${JSON.stringify(s.statuses)} (load ${load1().toFixed(1)})`,
      );
    }
    say(`took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    console.log(lines.join('\n'));
  } finally {
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
