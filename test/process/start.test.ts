// The compiled server as an operator runs it: `npm start` (node dist/src/main.js).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { killGatewayProcesses, startGatewayProcess } from '../helpers/gateway-process.js';
import { adminQuery, withDatabase } from '../helpers/pg-admin.js';

const tpl = inject('pgTemplate');
const ROOT = new URL('../..', import.meta.url).pathname;
const start = (env: Record<string, string>, ready: '/healthz' | false = false) =>
  startGatewayProcess({ entry: 'dist', env, ready });

beforeAll(() => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
}, 120_000);
afterAll(killGatewayProcesses);

describe('npm start', () => {
  it('refuses to start in production without DATABASE_URL, naming it', async () => {
    const p = await start({ NODE_ENV: 'production', CLERK_SECRET_KEY: 'sk_test_x' });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain('DATABASE_URL');
  });

  it('refuses TORALE_NOAUTH=1 on a non-loopback HOST', async () => {
    const p = await start({ TORALE_NOAUTH: '1', HOST: '0.0.0.0' });
    expect(await p.exited).not.toBe(0);
    expect(p.output()).toContain('TORALE_NOAUTH');
  });

  it.skipIf(!tpl)(
    'two instances on one empty database both come up; migrations ran once',
    async () => {
      const name = `torale_t_${tpl!.runId}_start_${randomBytes(3).toString('hex')}`;
      await adminQuery(tpl!.serverUrl, `create database ${name}`);
      const url = withDatabase(tpl!.serverUrl, name);
      try {
        const procs = await Promise.all(
          [1, 2].map(() => start({ DATABASE_URL: url, CLERK_SECRET_KEY: 'sk_test_x', LOG_LEVEL: 'info' }, '/healthz')),
        );
        for (const p of procs) {
          const ready = await fetch(`${p.url}/readyz`);
          expect(ready.status).toBe(200);
        }
        const rows = (await adminQuery(url, 'select name from kysely_migration order by name')) as { name: string }[];
        const { migrations } = await import('../../migrations/index.js');
        expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations));
        const applied = procs.map((p) => /"applied":\[([^\]]*)\]/.exec(p.output())?.[1] ?? '');
        // Exactly one instance applied them; the other found the schema current.
        expect(applied.filter((a) => a.length > 0)).toHaveLength(1);

        // Graceful shutdown: SIGTERM → exit code 0.
        expect(await Promise.all(procs.map((p) => p.stop('SIGTERM')))).toEqual([0, 0]);
      } finally {
        await adminQuery(tpl!.serverUrl, `drop database if exists ${name} with (force)`).catch(() => {});
      }
      // Two processes migrating and starting on two busy cores: the start helper's own 60 s bound decides.
    },
    120_000,
  );
});
