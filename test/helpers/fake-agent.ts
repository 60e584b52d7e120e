// A stand-in for Torale's monitoring agent on loopback, speaking A2A JSON-RPC 2.0:
// `message/send` and `tasks/get`. Each call is answered by the next scripted behaviour
// (or the default), and every call is recorded.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AgentResult {
  evidence?: string;
  sources?: unknown[];
  confidence?: number;
  next_run?: string | null;
  notification?: string | null;
  topic?: string;
}

export type Behaviour =
  | { kind: 'answer'; result: AgentResult; delayMs?: number }
  | { kind: 'working'; result: AgentResult; polls: number } // non-final first, then done on tasks/get
  | { kind: 'status'; status: number }
  | { kind: 'hang' };

export interface AgentCall {
  method: string;
  taskId: string | undefined;
  prompt: string | undefined;
  at: number;
}

export interface FakeAgent {
  url: string;
  calls: AgentCall[];
  /** Behaviours for the next message/send calls, in order; then `fallback`. */
  script: Behaviour[];
  fallback: Behaviour;
  close(): Promise<void>;
}

export async function startFakeAgent(): Promise<FakeAgent> {
  const pending = new Map<string, { result: AgentResult; pollsLeft: number }>();
  const hanging = new Set<() => void>();
  const agent: FakeAgent = {
    url: '',
    calls: [],
    script: [],
    fallback: { kind: 'answer', result: { evidence: 'Nothing yet', sources: [], confidence: 0.5, notification: null } },
    close: async () => {
      for (const release of hanging) release();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const completed = (result: AgentResult) => ({
    kind: 'task',
    id: randomUUID(),
    contextId: randomUUID(),
    status: { state: 'completed' },
    artifacts: [{ artifactId: randomUUID(), parts: [{ kind: 'data', data: result }] }],
  });
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', async () => {
      const rpc = JSON.parse(raw || '{}') as { id?: string; method?: string; params?: Record<string, never> };
      const reply = (result: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result }));
      };
      if (rpc.method === 'tasks/get') {
        const id = (rpc.params as { id?: string }).id ?? '';
        const p = pending.get(id);
        if (!p) return reply({ kind: 'task', id, status: { state: 'failed' } });
        if (p.pollsLeft-- > 0) return reply({ kind: 'task', id, status: { state: 'working' } });
        pending.delete(id);
        return reply({ ...completed(p.result), id });
      }
      const params = rpc.params as { message?: { parts?: { text?: string }[] }; metadata?: { task_id?: string } };
      agent.calls.push({
        method: rpc.method ?? '',
        taskId: params?.metadata?.task_id,
        prompt: params?.message?.parts?.[0]?.text,
        at: Date.now(),
      });
      const b = agent.script.shift() ?? agent.fallback;
      switch (b.kind) {
        case 'status':
          res.writeHead(b.status, { 'content-type': 'application/json' });
          return res.end('{"error":"busy"}');
        case 'hang':
          // Never answers; released when the agent closes.
          hanging.add(() => res.destroy());
          return;
        case 'working': {
          const id = randomUUID();
          pending.set(id, { result: b.result, pollsLeft: b.polls });
          return reply({ kind: 'task', id, status: { state: 'submitted' } });
        }
        case 'answer':
          if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
          return reply(completed(b.result));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  agent.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return agent;
}
