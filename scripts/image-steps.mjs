// Performs the Dockerfile's steps without a Docker engine: each stage in a clean folder of
// its own (WORKDIR mapped there), COPY from this repository (or from an earlier stage),
// RUN with sh, ENV kept; then starts the last stage's CMD against PostgreSQL and runs its
// HEALTHCHECK. What it cannot do: pull the base image (this machine's Node runs instead),
// switch USER, or apply .dockerignore beyond the paths COPY names.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty db> [PORT=18791] node scripts/image-steps.mjs [--keep]
import { execSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const DATABASE_URL = process.env.DATABASE_URL;
const PORT = process.env.PORT ?? '18791';
if (!DATABASE_URL) {
  console.error('image-steps: set DATABASE_URL to an empty PostgreSQL database');
  process.exit(2);
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text) {
  const out = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (!current && (line.trim() === '' || line.trim().startsWith('#'))) continue;
    current += line.endsWith('\\') ? `${line.slice(0, -1)} ` : line;
    if (!line.endsWith('\\')) {
      const m = /^\s*(\w+)\s+(.*)$/.exec(current);
      if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
      current = '';
    }
  }
  return out;
}

/** `["a", "b"]` (exec form) or a shell string. */
const command = (args) => (args.startsWith('[') ? JSON.parse(args) : ['sh', '-c', args]);

const work = mkdtempSync(join(tmpdir(), 'torale-image-'));
const stages = new Map();
let stage;
const log = (s) => console.log(`image-steps: ${s}`);
const started = Date.now();

for (const { op, args } of instructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))) {
  if (op === 'FROM') {
    const name = / AS (\S+)$/i.exec(args)?.[1] ?? String(stages.size);
    stage = { name, root: join(work, name), workdir: '/', env: {}, user: 'root', healthcheck: undefined, cmd: undefined };
    mkdirSync(stage.root, { recursive: true });
    stages.set(name, stage);
    log(`FROM ${args} → ${stage.root} (base image not pulled: this machine's Node ${process.version} stands in)`);
  } else if (op === 'WORKDIR') {
    stage.workdir = args;
    mkdirSync(join(stage.root, args), { recursive: true });
  } else if (op === 'ENV') {
    for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) stage.env[m[1]] = m[2].replace(/^"|"$/g, '');
  } else if (op === 'COPY') {
    const parts = args.split(/\s+/);
    const from = parts[0].startsWith('--from=') ? stages.get(parts.shift().slice(7)) : undefined;
    const dest = parts.pop();
    const destDir = join(stage.root, dest.startsWith('/') ? dest : join(stage.workdir, dest));
    for (const src of parts) {
      const source = from ? join(from.root, src) : join(ROOT, src);
      const target = dest.endsWith('/') ? join(destDir, src.split('/').pop()) : destDir;
      cpSync(source, target, { recursive: true });
    }
    log(`COPY ${args}`);
  } else if (op === 'RUN') {
    log(`RUN ${args}`);
    execSync(args, {
      cwd: join(stage.root, stage.workdir),
      stdio: 'inherit',
      // Each stage has its own npm cache, as a container would: `npm cache clean` in a RUN
      // must not empty this machine's shared cache.
      env: { PATH: process.env.PATH, HOME: stage.root, npm_config_cache: join(stage.root, '.npm'), ...stage.env },
    });
  } else if (op === 'USER') {
    stage.user = args;
  } else if (op === 'HEALTHCHECK') {
    stage.healthcheck = command(args.replace(/^(--\S+\s+)*CMD\s+/, ''));
  } else if (op === 'CMD') {
    stage.cmd = command(args);
  }
}

const final = stage;
const cwd = join(final.root, final.workdir);
// The image listens on 0.0.0.0; here it stays on loopback, on PORT.
const env = { PATH: process.env.PATH, ...final.env, HOST: '127.0.0.1', PORT, DATABASE_URL };
env.CLERK_SECRET_KEY = process.env.CLERK_SECRET_KEY ?? 'sk_test_image_steps';
log(`built in ${((Date.now() - started) / 1000).toFixed(0)} s; CMD ${final.cmd.join(' ')} (USER ${final.user} not switched)`);
const child = spawn(final.cmd[0], final.cmd.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
let output = '';
child.stdout.on('data', (d) => {
  output += d;
});
child.stderr.on('data', (d) => {
  output += d;
});
let healthy = false;
const deadline = Date.now() + 120_000;
while (!healthy && Date.now() < deadline && child.exitCode === null) {
  await sleep(1000);
  try {
    execSync(final.healthcheck.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' '), { cwd, env, stdio: 'ignore' });
    healthy = true;
  } catch {}
}
const health = healthy ? await (await fetch(`http://127.0.0.1:${PORT}/healthz`)).json() : undefined;
child.kill('SIGTERM');
const code = await new Promise((r) => (child.exitCode === null ? child.on('exit', r) : r(child.exitCode)));
log(`HEALTHCHECK ${healthy ? 'passed' : 'FAILED'}; /healthz ${JSON.stringify(health)}; exit after SIGTERM: ${code}`);
if (!healthy) console.error(output.slice(-4000));
if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
process.exit(healthy && code === 0 ? 0 : 1);
