// `npm run bench:fairness [-- --no-build]` (issue 23, "What must show" 2): another user's
// GET /auth/me at one connection, idle and while (a) one key sends eight concurrent
// maximum-cost GraphQL pages, (b) one user's 48 deliveries to a slow webhook plus replays
// run — each as a ratio to the idle p50/p99 measured in the same run, on the same gateway
// process (the goal: within 2×). The same (a) on a second gateway with the budget off shows
// what the budget changes, and the CPU per /auth/me with and without it is what the budget
// costs on the request path. Ports: BENCH_PORT_BASE (default 18300). The machine is shared:
// the load average is printed beside every figure.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabase, query, sweepLeftovers } from './lib/db.js';
import { clerkKeys, startGateway } from './lib/gateway.js';
import type { Distribution } from './lib/latency.js';
import { cpuMicros, load1, log, Procs, ROOT } from './lib/procs.js';
import { seedBenchUser } from './lib/seed.js';

process.env.BENCH_PORT_BASE ??= '18300';
const N = Number(process.env.FAIRNESS_SAMPLES) || 400;
// The dashboard's task list with every scalar: cost 2,000 for 1,000 tasks (@listSize(assumedSize: 1000)), under the 5,000 cap.
const MAX_PAGE = JSON.stringify({
  query: `{ tasks { id name searchQuery conditionDescription state nextRun isPublic viewCount subscriberCount
    createdAt updatedAt lastExecution { id status startedAt completedAt errorMessage notification createdAt } } }`,
});

/** An agent that finds every condition met, so every run notifies (and delivers). */
async function notifyingAgent() {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      const rpc = JSON.parse(raw || '{}') as { id?: string };
      const data = {
        evidence: 'met',
        sources: [],
        confidence: 0.9,
        notification: 'Condition met',
        next_run: new Date(Date.now() + 86_400_000).toISOString(),
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            kind: 'task',
            id: randomUUID(),
            status: { state: 'completed' },
            artifacts: [{ artifactId: randomUUID(), parts: [{ kind: 'data', data }] }],
          },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A webhook target that answers after `holdMs`: each delivery holds a slot that long. */
async function slowTarget(holdMs: number) {
  let received = 0;
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    req.resume();
    received++;
    held.add(res);
    setTimeout(() => {
      held.delete(res);
      if (!res.writableEnded) res.writeHead(200).end();
    }, holdMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`,
    received: () => received,
    server,
  };
}

async function call(url: string, method: string, headers: Record<string, string>, body?: string) {
  const res = await fetch(url, { method, headers, body });
  await res.arrayBuffer();
  return res.status;
}

/** Runs `n` loops of `fn` until `stop` resolves; returns the statuses seen. */
async function loops(n: number, fn: () => Promise<number>, stop: Promise<unknown>) {
  const statuses: Record<number, number> = {};
  let done = false;
  void stop.then(() => {
    done = true;
  });
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (!done) {
        const s = await fn().catch(() => 0);
        statuses[s] = (statuses[s] ?? 0) + 1;
        if (s === 429) await new Promise((r) => setTimeout(r, 20));
      }
    }),
  );
  return statuses;
}

const fmt = (d: Distribution) => `p50 ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms`;

/** `n` sequential requests like oneConnection's, but every answer counts (a 503 is a result, not a crash). */
async function victim(t: { url: string; headers: Record<string, string> }, n: number) {
  const statuses: Record<number, number> = {};
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const status = await call(t.url, 'GET', t.headers).catch(() => 0);
    xs.push(performance.now() - t0);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  xs.sort((a, b) => a - b);
  const at = (q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
  const d: Distribution = { n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: xs.at(-1) ?? 0 };
  return { d, statuses };
}

async function main() {
  if (!process.argv.includes('--no-build')) {
    log('building (npm run build)');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  await sweepLeftovers();
  const procs = new Procs();
  const db = await createDatabase('fairness');
  const [agent, slow, clerk] = await Promise.all([notifyingAgent(), slowTarget(3000), clerkKeys()]);
  try {
    const attacker = await seedBenchUser(db.url);
    await query(
      db.url,
      `insert into users (clerk_user_id, email, first_name) values ('user_victim', 'v@example.com', 'V')`,
    );
    // 48 of the attacker's tasks notify a slow webhook.
    await query(
      db.url,
      `update tasks set notifications = '[{"type":"webhook","url":"${slow.url}","method":"POST","headers":{}}]'::jsonb,
         webhook_secret = 'whsec_' || encode(sha256(random()::text::bytea), 'base64'), state = 'active'
       where id in (select id from tasks where user_id = '${attacker.userId}' order by name limit 48)`,
    );
    const hookTasks = await query<{ id: string }>(
      db.url,
      `select id from tasks where user_id = '${attacker.userId}' and notifications::text like '%/slow%'`,
    );
    const env = {
      TORALE_RUNNER: '1',
      TORALE_AGENT_URL: agent.url,
      WEBHOOK_ALLOW_INSECURE_TARGETS: '1',
      WEBHOOK_TIMEOUT_MS: '10000',
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '0',
    };
    const gw = await startGateway(procs, 'gateway', db.url, clerk.jwtKey, env);
    const off = await startGateway(procs, 'gateway-budget-off', db.url, clerk.jwtKey, {
      TORALE_RUNNER: '0',
      RATE_LIMIT_REST_REQUESTS: '0',
      RATE_LIMIT_GRAPHQL_POINTS: '0',
      RATE_LIMIT_EXPENSIVE_CONCURRENCY: '1000',
    });
    const victimToken = await clerk.token('user_victim');
    const me = (url: string) => ({
      name: 'victim /auth/me',
      url: `${url}/auth/me`,
      headers: { authorization: `Bearer ${victimToken}` },
    });
    const keyH = { authorization: `Bearer ${attacker.key}`, 'content-type': 'application/json' };
    const page = (url: string) => () => call(`${url}/graphql`, 'POST', keyH, MAX_PAGE);

    const lines: string[] = [];
    const report = (label: string, d: Distribution, idle: Distribution, extra = '') => {
      const line = `${label}: ${fmt(d)} → ${(d.p50 / idle.p50).toFixed(2)}× p50, ${(d.p99 / idle.p99).toFixed(2)}× p99 of idle (load ${load1().toFixed(1)})${extra}`;
      log(line);
      lines.push(line);
    };
    for (const [name, p] of [
      ['budget on', gw],
      ['budget off', off],
    ] as const) {
      const idle = (await victim(me(p.url), N)).d;
      report(`${name}, idle`, idle, idle);
      const stop = victim(me(p.url), N);
      const statuses = loops(8, page(p.url), stop);
      const during = await stop;
      report(
        `${name}, (a) 8 concurrent max-cost pages from one key`,
        during.d,
        idle,
        ` victim ${JSON.stringify(during.statuses)}, pages ${JSON.stringify(await statuses)}`,
      );
      if (name === 'budget off') break;
      // (b) 48 deliveries to a target that holds each 3 s, and replays in a loop.
      for (const t of hookTasks) await call(`${p.url}/api/v1/tasks/${t.id}/execute`, 'POST', keyH);
      const deliveries = async () =>
        query<{ id: string; task_id: string }>(
          db.url,
          `select d.id, d.task_id from notification_deliveries d join tasks t on t.id = d.task_id where t.user_id = '${attacker.userId}' limit 5`,
        );
      for (let i = 0; i < 100 && (await deliveries()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      const some = await deliveries();
      const replay = async () => {
        const d = some[Math.floor(Math.random() * some.length)];
        if (!d) return 0;
        return call(`${p.url}/api/v1/tasks/${d.task_id}/webhook/deliveries/${d.id}/replay`, 'POST', keyH);
      };
      const stopB = victim(me(p.url), N);
      const replays = loops(2, replay, stopB);
      const duringB = await stopB;
      report(
        `${name}, (b) 48 slow deliveries + replays`,
        duringB.d,
        idle,
        ` victim ${JSON.stringify(duringB.statuses)}, replays ${JSON.stringify(await replays)}, target got ${slow.received()} requests`,
      );
    }
    // What the budget costs on the request path: CPU per /auth/me, on and off, same load.
    for (const p of [gw, off]) {
      const before = cpuMicros(p.child.pid);
      await victim(me(p.url), 1000);
      const per = (cpuMicros(p.child.pid) - before) / 1000;
      const line = `CPU per /auth/me (${p.name}): ${per.toFixed(0)} µs (load ${load1().toFixed(1)})`;
      log(line);
      lines.push(line);
    }
    console.log(lines.join('\n'));
  } finally {
    await procs.close();
    agent.server.close();
    slow.server.closeAllConnections();
    slow.server.close();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
