// The README's shell examples, executed as printed: the first block (npm install, npm run dev)
// starts the gateway (npm install is what this checkout already did), then every other
// ```bash block runs in one bash session, in order, against it — only the port is swapped.
// ```text blocks are the README's examples that need what this machine lacks (Docker,
// Torale's agent with its API keys); the README says so beside each.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGatewayProcesses, startGatewayProcess } from '../helpers/gateway-process.js';
import { waitFor } from '../runs/helpers.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...README.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim());
const run = promisify(execFile);

describe('README shell examples', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'torale-readme-'));
  const cwd = mkdtempSync(join(tmpdir(), 'torale-readme-cwd-'));
  let port = 0;
  let base = '';

  beforeAll(async () => {
    expect(blocks[0]).toBe('npm install\nnpm run dev');
    const gateway = await startGatewayProcess({ entry: 'dev', env: { PGLITE_DIR: dataDir }, timeoutMs: 240_000 });
    [port, base] = [gateway.port, gateway.url];
  }, 250_000);
  afterAll(() => {
    killGatewayProcesses();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  it('every block after the first runs as printed and shows what the text says', async () => {
    expect(blocks.length).toBe(6);
    let env = '';
    const outputs: string[] = [];
    for (const block of blocks.slice(1)) {
      // One session: variables a block sets (TASK_ID) are there for the next.
      const script = `set -euo pipefail\n${env}\n${block.replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`)}\necho\ndeclare -p TASK_ID 2>/dev/null || true`;
      const { stdout } = await run('bash', ['-c', script], { cwd, timeout: 60_000 });
      const declared = /declare -- TASK_ID="([^"]*)"/.exec(stdout);
      if (declared) env = `TASK_ID=${declared[1]}`;
      outputs.push(stdout.replace(/declare -- TASK_ID=.*\n?$/, ''));
      if (outputs.length === 1) {
        // "A few seconds later its run has succeeded": wait for that before the next block.
        const id = (JSON.parse(outputs[0] as string) as { id: string }).id;
        await waitFor(
          'the run',
          async () =>
            ((await (await fetch(`${base}/api/v1/tasks/${id}/executions`)).json()) as { status: string }[])[0]
              ?.status === 'success',
          60_000,
        );
        await waitFor(
          'the delivery',
          async () => ((await (await fetch(`${base}/dev/webhook-inbox`)).json()) as { count: number }).count > 0,
          60_000,
        );
      }
    }
    const [task, executions, inbox, key, execute] = outputs.map((o) => JSON.parse(o));
    expect(task).toMatchObject({ name: 'Launch watch', webhook_secret: expect.stringMatching(/^whsec_/) });
    expect(executions[0]).toMatchObject({ status: 'success' });
    expect(executions[0].notification).toMatch(/^\[development agent\] Condition met/);
    expect(inbox.count).toBe(1);
    expect(JSON.stringify(inbox.deliveries[0].body)).toContain(executions[0].id);
    expect(inbox.deliveries[0].headers['webhook-signature']).toMatch(/^v1,/);
    expect(key.key).toMatch(/^sk_/);
    expect(execute).toMatchObject({ task_id: task.id, status: 'pending' });
  }, 200_000);
});
