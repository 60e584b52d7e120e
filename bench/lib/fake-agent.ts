// The monitoring agent on loopback, as the gateway's AgentClient calls it (A2A JSON-RPC
// `message/send`), answering every call with a completed task after `delayMs`. It runs in
// the bench process, so its CPU is not the gateway's; the engine floor calls the same one.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchAgent {
  url: string;
  delayMs: number;
  calls: number;
  close(): Promise<void>;
}

/** What a run finds: by default nothing yet (no notification), a next run a day away. */
export type BenchAnswer = Record<string, unknown>;
const NOTHING_YET: BenchAnswer = { evidence: 'Nothing announced yet', confidence: 0.5, notification: null };

export async function startBenchAgent(answerOf: BenchAnswer = NOTHING_YET): Promise<BenchAgent> {
  const agent: BenchAgent = { url: '', delayMs: 0, calls: 0, close: async () => {} };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      agent.calls++;
      const rpc = JSON.parse(raw || '{}') as { id?: string };
      const answer = () => {
        // A next run a day away: the task does not come due again during the bench.
        const data = { sources: [], ...answerOf, next_run: new Date(Date.now() + 86_400_000).toISOString() };
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
      };
      if (agent.delayMs > 0) setTimeout(answer, agent.delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  agent.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return agent;
}
