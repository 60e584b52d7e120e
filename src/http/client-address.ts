// The client's address of a raw request (a WebSocket upgrade never reaches Fastify's
// request.ip): the socket's peer, or with TRUST_PROXY hops the X-Forwarded-For entry the
// nearest trusted proxy saw.
import type { IncomingMessage } from 'node:http';

export function clientAddress(req: IncomingMessage, trustedHops: number): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustedHops <= 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return chain[Math.max(0, chain.length - trustedHops)] ?? peer;
}
