// The outside systems of bench/fairness.ts, on loopback in the bench process: an agent that
// finds every condition met (so every run notifies and delivers) and a slow webhook target.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const listen = async (server: ReturnType<typeof createServer>) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** An A2A agent that finds every condition met. */
export async function notifyingAgent() {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => {
      raw += d;
    });
    req.on('end', () => {
      const rpc = JSON.parse(raw || '{}') as { id?: string };
      const data = {
        evidence: 'met',
        sources: [],
        confidence: 0.9,
        notification: 'Condition met',
        next_run: new Date(Date.now() + 86_400_000).toISOString(),
      };
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
    });
  });
  return { url: await listen(server), server };
}

/** A webhook target that answers 200 after `holdMs`: each delivery holds a slot that long. */
export async function slowTarget(holdMs: number) {
  let received = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    req.resume();
    received++;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    setTimeout(() => {
      inFlight--;
      if (!res.writableEnded) res.writeHead(200).end();
    }, holdMs);
  });
  return {
    url: `${await listen(server)}/slow`,
    received: () => received,
    inFlight: () => inFlight,
    maxInFlight: () => maxInFlight,
    server,
  };
}
