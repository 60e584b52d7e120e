// The curl examples of docs/api.md are executed verbatim (only the host is swapped) against a
// running gateway, with the real curl, so the documentation cannot rot.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';
import type { FakeClerk } from '../helpers/fake-clerk.js';
import { startClerkGateway, stopClerkGateway } from '../helpers/gateway.js';

const run = promisify(execFile);
const README = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

interface Example {
  command: string;
  status: number;
  body?: unknown;
  /** A Server-Sent Events stream: read until curl's --max-time, while the test makes a change. */
  stream?: boolean;
}

/** Commands of the curl-examples block, each with the `→ status [body]` it promises. */
function examples(): Example[] {
  const block = /<!-- curl-examples:start -->[\s\S]*?```bash\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
  const lines = block.split('\n');
  // A command goes on while a line ends in "\" or a single quote is still open.
  const continues = (text: string) => text.trimEnd().endsWith('\\') || (text.match(/'/g) ?? []).length % 2 === 1;
  const out: Example[] = [];
  let expected: { status: number; body?: unknown } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const promise = /→\s*(\d{3})\s*(.*)$/.exec(line);
    if (line.startsWith('#') && promise) {
      const rest = promise[2] ?? '';
      expected = {
        status: Number(promise[1]),
        ...(rest === 'stream' ? { stream: true } : rest && { body: JSON.parse(rest) }),
      };
    } else if (line.startsWith('curl ')) {
      const command = [line];
      while (continues(command.join('\n')) && i + 1 < lines.length) command.push(lines[++i] as string);
      if (!expected) throw new Error(`README curl example without an expected status: ${command.join('\n')}`);
      out.push({ command: command.join('\n'), ...expected });
      expected = undefined;
    }
  }
  return out;
}

let tdb: TestDatabase;
let clerk: FakeClerk;
let t: TestApp;

beforeAll(async () => {
  ({ tdb, clerk, t } = await startClerkGateway({ listen: true }));
});
afterAll(async () => {
  await stopClerkGateway({ t, clerk, tdb });
});

describe('README curl examples', () => {
  it('each answers what the README says', async () => {
    const list = examples();
    expect(list.length).toBeGreaterThanOrEqual(8);
    clerk.addUser({ id: 'user_readme', email: 'readme@example.com', firstName: 'Jane', role: 'developer' });
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      CLERK_TOKEN: await clerk.token('user_readme', { expiresInSeconds: 600 }),
    };
    // The dashboard syncs the user on login before anything else.
    const sync = await fetch(`${t.url}/auth/sync-user`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.CLERK_TOKEN}` },
    });
    expect(sync.status).toBe(200);

    for (const ex of list) {
      const command = `${ex.command.replaceAll('http://127.0.0.1:8000', t.url!)} -s -w '\\n%{http_code}'`;
      if (ex.stream) {
        // While the stream is open, force a new run of the task: its executions change status.
        const change = new Promise((r) => setTimeout(r, 1500)).then(() =>
          fetch(`${t.url}/api/v1/tasks/${env.TASK_ID}/execute?force=true`, {
            method: 'POST',
            headers: { authorization: `Bearer ${env.API_KEY}` },
          }),
        );
        // curl exits 28 when --max-time ends the stream; what it received is the answer.
        const { stdout } = await run('/bin/sh', ['-c', command], { env }).catch(
          (e: { code?: number; stdout?: string }) => {
            if (e.code === 28) return { stdout: e.stdout ?? '' };
            throw e;
          },
        );
        expect((await change).status).toBe(200);
        const lines = stdout.trimEnd().split('\n');
        const status = Number(lines.pop());
        expect(status, `${ex.command}\n→ ${stdout}`).toBe(ex.status);
        const events = lines.filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
        expect(lines).toContain('event: next');
        expect(events.length).toBeGreaterThanOrEqual(1);
        for (const e of events) expect(e.data.executionUpdated.taskId).toBe(env.TASK_ID);
        continue;
      }
      const { stdout } = await run('/bin/sh', ['-c', command], { env }).catch(
        (e: { stdout?: string; stderr?: string }) => {
          throw new Error(`${command}\nfailed: ${e.stderr ?? ''}${e.stdout ?? ''}`);
        },
      );
      const lines = stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      const body = JSON.parse(lines.join('\n') || 'null');
      expect(status, `${ex.command}\n→ ${stdout}`).toBe(ex.status);
      if (ex.body !== undefined) expect(body).toEqual(ex.body);
      if (ex.command.includes('/auth/api-keys') && status === 200) env.API_KEY = body.key;
      if (ex.command.includes('/api/v1/tasks -H') && status === 200 && Array.isArray(body)) env.TASK_ID = body[0].id;
    }
    expect(env.API_KEY).toMatch(/^sk_/);
    expect(env.TASK_ID).toBeDefined();
  });
});
