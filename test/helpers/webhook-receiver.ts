// A webhook receiver on loopback that records each delivery and answers scripted statuses.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  method: string;
  /** When the whole request had arrived (Date.now()). */
  at: number;
}

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** Statuses for the next requests, in order; then 200. */
  statuses: number[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const r: WebhookReceiver = { url: '', received: [], statuses: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      r.received.push({ headers: req.headers, body, method: req.method ?? '', at: Date.now() });
      res.writeHead(r.statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () => new Promise((resolve) => server.close(() => resolve()));
  return r;
}
