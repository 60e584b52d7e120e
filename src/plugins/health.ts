// /healthz (the process answers) and /readyz (the database answers, and we are not shutting
// down). While draining and closing, every response closes its connection, so keep-alive
// clients move to another instance and close() is not held open by idle sockets.
import { Type } from '@sinclair/typebox';
import fp from 'fastify-plugin';
import type { Lifecycle } from '../container.js';
import type { Database } from '../db/database.js';
import { DetailSchema } from '../http/schemas.js';

export default fp<{ database: Database; lifecycle: Lifecycle }>(
  async (app, { database, lifecycle }) => {
    app.addHook('preClose', async () => {
      lifecycle.draining = true;
    });
    app.addHook('onSend', async (_request, reply) => {
      if (lifecycle.draining) void reply.header('connection', 'close');
    });
    const hidden = { hide: true } as object;
    app.get('/healthz', { config: { auth: false }, schema: hidden }, async () => ({ status: 'ok' }));
    app.get(
      '/readyz',
      {
        config: { auth: false },
        schema: { ...hidden, response: { 200: Type.Object({ status: Type.String() }), 503: DetailSchema } },
      },
      async (_req, reply) => {
        if (lifecycle.draining) return reply.code(503).send({ detail: 'Shutting down' });
        try {
          await database.ping(2000);
          return { status: 'ready' };
        } catch {
          return reply.code(503).send({ detail: 'Database unavailable' });
        }
      },
    );
  },
  { name: 'torale-health' },
);
