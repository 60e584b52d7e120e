// Measures what `npm run dev` holds on the embedded database: starts it on a fresh data
// directory (or DEV_MEMORY_DATA_DIR), creates tasks, runs each of them and waits for the runs
// to finish, then prints the resident memory (RSS) of every process `npm run dev` started and
// the gateway's own heap figures from /metrics. Prints; asserts nothing (the goal is ≤ 350 MB
// for the gateway process, issue 24).
//
//   node scripts/dev-memory.mjs [--tasks 20] [--port 18790]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const TASKS = Number(arg('tasks', '20'));
const PORT = Number(arg('port', '18790'));
const BASE = `http://127.0.0.1:${PORT}`;
const dataDir = process.env.DEV_MEMORY_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'torale-dev-memory-'));
const fresh = !process.env.DEV_MEMORY_DATA_DIR;

const started = Date.now();
const child = spawn('npm', ['run', 'dev'], {
  env: { ...process.env, PORT: String(PORT), PGLITE_DIR: dataDir, LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
  detached: true,
});
const stop = () => {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
};
process.on('exit', stop);

/** Every process in the tree under `pid`, with its RSS in MB and command line. */
function tree(pid) {
  const byParent = new Map();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(p));
    } catch {}
  }
  const out = [];
  const walk = (p) => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: p, rssMb: Math.round(rss), cmd });
    } catch {}
    for (const c of byParent.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

async function call(method, path, body) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  for (;;) {
    if (Date.now() - started > 180_000) throw new Error('npm run dev did not answer within 180 s');
    try {
      if ((await fetch(`${BASE}/healthz`)).ok) break;
    } catch {}
    await sleep(500);
  }
  const upSeconds = (Date.now() - started) / 1000;
  const tasks = [];
  for (let i = 0; i < TASKS; i++) {
    tasks.push(await call('POST', '/api/v1/tasks', { name: `memory ${i}`, search_query: `memory check ${i}` }));
  }
  for (const t of tasks) await call('POST', `/api/v1/tasks/${t.id}/execute`);
  const deadline = Date.now() + 120_000;
  let finished = 0;
  while (Date.now() < deadline) {
    const list = await call('GET', '/api/v1/tasks');
    finished = list.filter((t) => ['success', 'failed'].includes(t.last_execution?.status)).length;
    if (finished >= TASKS) break;
    await sleep(500);
  }
  await sleep(2000);
  const metrics = await (await fetch(`${BASE}/metrics`)).text();
  const metric = (name) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? 0) / 1048576);
  const procs = tree(child.pid);
  const gateway = procs.find((p) => /src\/main\.ts$/.test(p.cmd) && /--import/.test(p.cmd));
  console.log(`npm run dev on ${fresh ? 'a fresh' : 'an existing'} embedded database (${dataDir})`);
  console.log(`first answer after ${upSeconds.toFixed(1)} s; ${TASKS} tasks created, ${finished} runs finished`);
  console.log('\n| pid | RSS MB | process |\n|---|---|---|');
  for (const p of procs) console.log(`| ${p.pid} | ${p.rssMb} | ${p.cmd.length > 90 ? `${p.cmd.slice(0, 87)}...` : p.cmd} |`);
  console.log(`\ngateway process RSS: ${gateway?.rssMb ?? '?'} MB (goal ≤ 350 MB)`);
  console.log(
    `gateway /metrics: resident ${metric('torale_process_resident_memory_bytes')} MB, heap used ${metric('torale_nodejs_heap_size_used_bytes')} MB, heap total ${metric('torale_nodejs_heap_size_total_bytes')} MB, external ${metric('torale_nodejs_external_memory_bytes')} MB`,
  );
}

main()
  .catch((err) => {
    console.error(err.message);
    process.exitCode = 1;
  })
  .finally(async () => {
    stop();
    await sleep(1000);
    if (fresh) rmSync(dataDir, { recursive: true, force: true });
    process.exit();
  });
