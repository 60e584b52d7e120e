// Who the client is behind TRUST_PROXY hops of proxies, by one rule for Fastify's
// request.ip and for raw requests that never reach Fastify (a WebSocket upgrade):
// @fastify/proxy-addr (Fastify's own) walks X-Forwarded-For from the nearest hop, trusting
// the socket's peer and the next hops-1 entries.
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** The trust function Fastify (serverOptions) and clientAddress share. */
export const trustHops =
  (hops: number) =>
  (_address: string, hop: number): boolean =>
    hop < hops;

export function clientAddress(req: IncomingMessage, hops: number): string {
  return hops > 0 ? proxyAddr(req, trustHops(hops)) : (req.socket.remoteAddress ?? '');
}
