// A webhook receiver inside the development gateway (TORALE_DEV_TOOLS=1, loopback only):
// point a task's webhook at /dev/webhook-inbox and read what arrived with a GET, so the
// quick start needs no second program. Keeps the last 50 deliveries in memory.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DELIVERY_HEADERS } from '../webhooks/webhook-sender.js';

const KEEP = 50;

export interface InboxEntry {
  received_at: string;
  headers: Record<string, string>;
  body: unknown;
}

export default fp(
  async (app: FastifyInstance) => {
    const entries: InboxEntry[] = [];
    const hidden = { hide: true } as const;
    app.post('/dev/webhook-inbox', { config: { auth: false }, schema: hidden }, async (request, reply) => {
      const headers: Record<string, string> = {};
      for (const name of DELIVERY_HEADERS) {
        const v = request.headers[name];
        if (typeof v === 'string') headers[name] = v;
      }
      entries.unshift({ received_at: new Date().toISOString(), headers, body: request.body ?? null });
      entries.length = Math.min(entries.length, KEEP);
      request.log.info({ delivery: headers }, 'dev webhook inbox: delivery received');
      return reply.code(200).send({ received: true });
    });
    app.get('/dev/webhook-inbox', { config: { auth: false }, schema: hidden }, async () => ({
      count: entries.length,
      deliveries: entries,
    }));
    app.delete('/dev/webhook-inbox', { config: { auth: false }, schema: hidden }, async () => {
      entries.length = 0;
      return { count: 0 };
    });
  },
  { name: 'torale-dev-webhook-inbox' },
);
