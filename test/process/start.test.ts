// The compiled server as an operator runs it: `npm start` (node dist/src/main.js).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminQuery, withDatabase } from '../helpers/pg-admin.js';

const tpl = inject('pgTemplate');
const ROOT = new URL('../..', import.meta.url).pathname;
const children: ChildProcess[] = [];
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' };

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env: { ...BASE_ENV, ...env } });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy`);
}

const freePort = () => 20000 + Math.floor(Math.random() * 20000);

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('npm start', () => {
  it('refuses to start in production without DATABASE_URL, naming it', async () => {
    const p = start({ NODE_ENV: 'production', CLERK_SECRET_KEY: 'sk_test_x', PORT: String(freePort()) });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain('DATABASE_URL');
  });

  it('refuses TORALE_NOAUTH=1 on a non-loopback HOST', async () => {
    const p = start({ TORALE_NOAUTH: '1', HOST: '0.0.0.0', PORT: String(freePort()) });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain('TORALE_NOAUTH');
  });

  it.skipIf(!tpl)(
    'two instances on one empty database both come up; migrations ran once',
    async () => {
      const name = `torale_t_${tpl!.runId}_start_${randomBytes(3).toString('hex')}`;
      await adminQuery(tpl!.serverUrl, `create database ${name}`);
      const url = withDatabase(tpl!.serverUrl, name);
      const ports = [freePort(), freePort() + 1];
      const procs = ports.map((port) =>
        start({ DATABASE_URL: url, PORT: String(port), CLERK_SECRET_KEY: 'sk_test_x', LOG_LEVEL: 'info' }),
      );
      try {
        await Promise.all(ports.map((p) => waitForHealth(`http://127.0.0.1:${p}`)));
        for (const p of ports) {
          const ready = await fetch(`http://127.0.0.1:${p}/readyz`);
          expect(ready.status).toBe(200);
        }
        const rows = (await adminQuery(url, 'select name from kysely_migration order by name')) as { name: string }[];
        const { migrations } = await import('../../migrations/index.js');
        expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations));
        const applied = procs.map((p) => /"applied":\[([^\]]*)\]/.exec(p.output())?.[1] ?? '');
        // Exactly one instance applied them; the other found the schema current.
        expect(applied.filter((a) => a.length > 0)).toHaveLength(1);

        // Graceful shutdown: SIGTERM → exit code 0.
        for (const p of procs) p.child.kill('SIGTERM');
        expect(await Promise.all(procs.map((p) => p.exited))).toEqual([0, 0]);
      } finally {
        await adminQuery(tpl!.serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
      }
      // Two processes migrating and starting on two busy cores: waitForHealth's own 60 s bound decides.
    },
    120_000,
  );
});
