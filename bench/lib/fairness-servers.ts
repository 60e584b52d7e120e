// The outside systems of bench/fairness.ts, on loopback in the bench process: an agent that
// finds every condition met (so every run notifies and delivers) and a slow webhook target.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startBenchAgent } from './fake-agent.js';

const listen = async (server: ReturnType<typeof createServer>) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** An A2A agent that finds every condition met (the bench agent with that answer). */
export const notifyingAgent = () =>
  startBenchAgent({ evidence: 'met', confidence: 0.9, notification: 'Condition met' });

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
