// /healthz (the process answers), /readyz (the database answers, and we are not shutting
// down) and Torale's /health (the same check in Torale's words). While draining and closing, every response closes its connection, so keep-alive
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
    const Degraded = Type.Object({
      status: Type.Literal('degraded'),
      scheduler_running: Type.Boolean(),
      startup_sync_ok: Type.Boolean(),
    });
    // Torale's shape: `healthy`, else 503 `degraded` with what is wrong (here: this instance is
    // shutting down, so it schedules nothing; the database does not answer).
    app.get(
      '/health',
      {
        config: { auth: false },
        schema: {
          ...hidden,
          response: { 200: Type.Object({ status: Type.Literal('healthy') }), 503: Degraded },
        },
      },
      async (_req, reply) => {
        const running = !lifecycle.draining;
        const databaseOk = await database.ping(2000).then(
          () => true,
          () => false,
        );
        if (running && databaseOk) return { status: 'healthy' as const };
        return reply
          .code(503)
          .send({ status: 'degraded' as const, scheduler_running: running, startup_sync_ok: databaseOk });
      },
    );
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
