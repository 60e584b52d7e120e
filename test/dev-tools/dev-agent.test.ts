// The development agent: Torale's A2A contract answered by a documented rule (met unless the
// condition contains "never"), every answer marked as a development answer; and `npm run dev`
// as a newcomer starts it: a task runs on the embedded database with that agent, and its
// webhook lands in the dev inbox — no other program, no key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevAgent, devAnswer, startDevAgent } from '../../src/dev-tools/dev-agent.js';
import { AgentClient, AgentError } from '../../src/runs/agent.js';
import { type GatewayProcess, killGatewayProcesses, startGatewayProcess } from '../helpers/gateway-process.js';
import { waitFor } from '../runs/helpers.js';

type Rpc = { result: { id: string }; error: { code: number } };
type Json = Record<string, unknown>;
interface Run {
  id: string;
  status: string;
  notification: string | null;
}

const prompt = (condition: string) =>
  `You are monitoring the web.\nSearch query: iPhone release\nCondition to detect: ${condition}\nRecent results: none`;

describe('the rule', () => {
  it('counts a condition as met unless it contains the word "never", in any letter case', () => {
    expect(devAnswer(prompt('A date has been announced')).notification).toMatch(/^\[development agent\] /);
    expect(devAnswer(prompt('It will NEVER happen')).notification).toBeNull();
    expect(devAnswer(prompt('Nevertheless a date is set')).notification).not.toBeNull();
  });

  it('marks every answer as a development answer and schedules the next check in an hour', () => {
    const now = new Date('2026-12-07T10:00:00Z');
    for (const c of ['met', 'never']) {
      const a = devAnswer(prompt(c), now);
      expect(a.evidence).toMatch(/^\[development agent\] No search was made/);
      expect(a.next_run).toBe('2026-12-07T11:00:00.000Z');
      expect(a.sources).toEqual([]);
    }
  });

  it('reads the whole prompt when it has no condition line, and quotes long conditions shortened', () => {
    expect(devAnswer('never mind the format').notification).toBeNull();
    const long = devAnswer(prompt('x'.repeat(5000)));
    expect(long.notification!.length).toBeLessThan(300);
  });
});

describe('over A2A JSON-RPC, as the gateway calls it', () => {
  let agent: DevAgent;
  beforeAll(async () => {
    agent = await startDevAgent();
  });
  afterAll(() => agent?.close());
  const rpc = async (body: unknown, init: RequestInit = {}) => {
    const res = await fetch(agent.url, { method: 'POST', body: JSON.stringify(body), ...init });
    return { status: res.status, body: (await res.json()) as Rpc };
  };

  it("answers the gateway's agent client with a parsed result", async () => {
    const client = new AgentClient([agent.url], 5000);
    const answer = await client.run({ prompt: prompt('a launch date'), metadata: { user_id: 'u', task_id: 't' } });
    expect(answer.notification).toContain('Condition met (development answer)');
    expect(answer.confidence).toBe(100);
    expect(answer.nextRun).toBeInstanceOf(Date);
  });

  it("fails a run without user_id/task_id as Torale's agent does (a failed task, named fields)", async () => {
    const client = new AgentClient([agent.url], 5000);
    const err = await client
      .run({ prompt: 'x', metadata: {} as { user_id: string; task_id: string } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentError);
    expect((err as AgentError).message).toContain('Missing required metadata: user_id, task_id');
  });

  it('keeps finished tasks for tasks/get and answers JSON-RPC errors for bad calls', async () => {
    const sent = await rpc({
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: { message: { parts: [{ kind: 'text', text: 'never' }] }, metadata: { user_id: 'u', task_id: 't' } },
    });
    const got = await rpc({ jsonrpc: '2.0', id: 2, method: 'tasks/get', params: { id: sent.body.result.id } });
    expect(got.body.result).toEqual(sent.body.result);
    expect((await rpc({ jsonrpc: '2.0', id: 3, method: 'tasks/get', params: { id: 'nope' } })).body.error.code).toBe(
      -32001,
    );
    expect((await rpc({ jsonrpc: '2.0', id: 4, method: 'bogus' })).body.error.code).toBe(-32601);
    expect((await rpc({ jsonrpc: '2.0', id: 5, method: 'message/send', params: {} })).body.error.code).toBe(-32602);
    expect((await rpc({ id: 6, method: 'message/send' })).body.error.code).toBe(-32600);
    const bad = await fetch(agent.url, { method: 'POST', body: '{not json' });
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const huge = await fetch(agent.url, { method: 'POST', body: 'x'.repeat(2_000_000) }).catch(() => undefined);
    if (huge) expect(huge.status).toBe(413);
    expect((await fetch(agent.url)).status).toBe(405);
    expect(await (await fetch(`${agent.url}health`)).json()).toEqual({ status: 'ok', agent: 'development' });
  });
});

describe('npm run dev, as a newcomer runs it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'torale-dev-test-'));
  let gateway: GatewayProcess;
  let base = '';

  beforeAll(async () => {
    gateway = await startGatewayProcess({ entry: 'dev', env: { PGLITE_DIR: dataDir }, timeoutMs: 240_000 });
    base = gateway.url;
  }, 250_000);
  afterAll(() => {
    killGatewayProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a task on the embedded database with the development agent and delivers its webhook to the dev inbox', async () => {
    expect(gateway.output()).toContain('DEVELOPMENT agent');
    const created = await fetch(`${base}/api/v1/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        search_query: 'Is the new phone out?',
        condition_description: 'A release date is announced',
        run_immediately: true,
        notifications: [{ type: 'webhook', url: `${base}/dev/webhook-inbox` }],
      }),
    });
    expect(created.status).toBe(200);
    const task = (await created.json()) as { id: string };
    const run = await waitFor(
      'the run',
      async () => {
        const list = (await (await fetch(`${base}/api/v1/tasks/${task.id}/executions`)).json()) as Run[];
        return list[0]?.status === 'success' ? list[0] : undefined;
      },
      60_000,
    );
    expect(run.notification).toMatch(/^\[development agent\] Condition met/);
    const inbox = await waitFor(
      'the delivery',
      async () => {
        const body = (await (await fetch(`${base}/dev/webhook-inbox`)).json()) as {
          count: number;
          deliveries: { body: Json; headers: Record<string, string> }[];
        };
        return body.count > 0 ? body : undefined;
      },
      60_000,
    );
    expect(JSON.stringify(inbox.deliveries[0]!.body)).toContain(run.id);
    expect(inbox.deliveries[0]!.headers['webhook-signature']).toMatch(/^v1,/);
  }, 150_000);
});
