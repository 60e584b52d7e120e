// A development stand-in for Torale's monitoring agent: the same A2A JSON-RPC 2.0 contract
// (`message/send`, `tasks/get`, a completed task whose artifact is one DataPart), answered
// at once by a fixed rule instead of a web search, so a newcomer sees the whole loop — run,
// notification, webhook, live update — without API keys. Every answer says it is a
// development answer. Loopback only; never started in production (config refuses it).
//
// The rule: the condition counts as met unless the condition text contains the word
// "never" (any letter case). Met → a notification; either way the next check is in an hour.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const DEV_AGENT_MARK = '[development agent]';
const NEXT_CHECK_MS = 3_600_000;
/** Finished tasks kept for `tasks/get`, oldest dropped first. */
const KEEP_TASKS = 500;
const MAX_BODY = 1_048_576;

export interface DevAgentAnswer {
  evidence: string;
  sources: string[];
  confidence: number;
  next_run: string | null;
  notification: string | null;
  topic: string;
}

/** The condition a prompt asks about: its "Condition…:" line, else the whole prompt. */
export function conditionOf(prompt: string): string {
  const line = /^\s*condition[^:\n]*:\s*(.+)$/im.exec(prompt);
  return (line?.[1] ?? prompt).trim();
}

export function devAnswer(prompt: string, now = new Date()): DevAgentAnswer {
  const condition = conditionOf(prompt);
  const met = !/\bnever\b/i.test(condition);
  const shown = condition.length > 200 ? `${condition.slice(0, 197)}...` : condition;
  return {
    evidence: `${DEV_AGENT_MARK} No search was made. The development agent counts a condition as met unless it contains the word "never"; this one ${met ? 'does not' : 'does'}: "${shown}".`,
    sources: [],
    confidence: met ? 100 : 0,
    next_run: new Date(now.getTime() + NEXT_CHECK_MS).toISOString(),
    notification: met ? `${DEV_AGENT_MARK} Condition met (development answer): ${shown}` : null,
    topic: 'Development check',
  };
}

type Rpc = { jsonrpc?: string; id?: string | number | null; method?: string; params?: Record<string, unknown> };

export interface DevAgent {
  readonly url: string;
  /** Calls answered since start (message/send and tasks/get). */
  readonly calls: number;
  close(): Promise<void>;
}

export async function startDevAgent(opts: { host?: string; port?: number } = {}): Promise<DevAgent> {
  const host = opts.host ?? '127.0.0.1';
  const tasks = new Map<string, unknown>();
  let calls = 0;

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const rpcError = (id: Rpc['id'], code: number, message: string) => ({
    jsonrpc: '2.0',
    id: id ?? null,
    error: { code, message },
  });

  function handle(rpc: Rpc): unknown {
    calls++;
    if (rpc.method === 'tasks/get') {
      const task = tasks.get(String(rpc.params?.id ?? ''));
      return task ? { jsonrpc: '2.0', id: rpc.id, result: task } : rpcError(rpc.id, -32001, 'Task not found');
    }
    if (rpc.method !== 'message/send') return rpcError(rpc.id, -32601, `Method not found: ${rpc.method}`);
    const message = rpc.params?.message as { parts?: { kind?: string; text?: string }[] } | undefined;
    const metadata = (rpc.params?.metadata ?? {}) as Record<string, unknown>;
    const prompt = (message?.parts ?? [])
      .map((p) => (typeof p.text === 'string' ? p.text : ''))
      .join('\n')
      .trim();
    if (!prompt) return rpcError(rpc.id, -32602, 'message.parts has no text');
    const id = randomUUID();
    const contextId = randomUUID();
    const missing = ['user_id', 'task_id'].filter((k) => !metadata[k]);
    // As Torale's agent: a run without its user and task is a failed task, not a protocol error.
    const task = missing.length
      ? {
          kind: 'task',
          id,
          contextId,
          status: {
            state: 'failed',
            message: {
              kind: 'message',
              role: 'agent',
              messageId: randomUUID(),
              parts: [{ kind: 'text', text: `${DEV_AGENT_MARK} Missing required metadata: ${missing.join(', ')}` }],
            },
          },
        }
      : {
          kind: 'task',
          id,
          contextId,
          status: { state: 'completed', timestamp: new Date().toISOString() },
          artifacts: [{ artifactId: randomUUID(), parts: [{ kind: 'data', data: devAnswer(prompt) }] }],
        };
    tasks.set(id, task);
    if (tasks.size > KEEP_TASKS) tasks.delete(tasks.keys().next().value as string);
    return { jsonrpc: '2.0', id: rpc.id, result: task };
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && (req.url === '/health' || req.url === '/ready')) {
      return reply(res, 200, { status: 'ok', agent: 'development' });
    }
    if (req.method === 'GET' && req.url?.startsWith('/.well-known/agent')) {
      return reply(res, 200, {
        name: 'Torale development agent',
        description: `${DEV_AGENT_MARK} Answers without searching: a condition is met unless it contains "never".`,
        url: `http://${host}:${port}/`,
        version: '1.0.0',
        protocolVersion: '0.3.0',
        capabilities: { streaming: false },
        defaultInputModes: ['text/plain'],
        defaultOutputModes: ['application/json'],
        skills: [{ id: 'monitor', name: 'Development monitoring check', description: 'A fixed-rule check' }],
      });
    }
    if (req.method !== 'POST') return reply(res, 405, rpcError(null, -32600, 'Use POST with a JSON-RPC 2.0 body'));
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reply(res, 413, rpcError(null, -32600, 'Request too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      let rpc: Rpc;
      try {
        rpc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Rpc;
      } catch {
        return reply(res, 200, rpcError(null, -32700, 'Parse error'));
      }
      if (typeof rpc !== 'object' || rpc === null || rpc.jsonrpc !== '2.0' || typeof rpc.method !== 'string') {
        return reply(res, 200, rpcError(rpc?.id, -32600, 'Invalid Request'));
      }
      reply(res, 200, handle(rpc));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}/`,
    get calls() {
      return calls;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
