// Authentication for every request: the one accounting path (auth/accounting.ts, shared
// with the live WebSocket) turns the credentials into request.viewer (anonymous when none
// were sent), once per request, so no route can forget it. Routes opt out with
// `config: { auth: false }` (health checks, metrics, docs).
import fp from 'fastify-plugin';
import type { AccountRequest } from '../auth/accounting.js';
import { ANONYMOUS, type Viewer } from '../auth/viewer.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
  }
  interface FastifyContextConfig {
    /** false = the route never authenticates (health checks, metrics). */
    auth?: boolean;
  }
}

export default fp<{ accountRequest: AccountRequest }>(
  async (app, { accountRequest }) => {
    app.decorateRequest('viewer', null as never);
    app.addHook('onRequest', async (request, reply) => {
      void reply.header('x-request-id', request.id);
      request.viewer = ANONYMOUS;
      if (request.routeOptions.config?.auth === false) return;
      const transport = request.routeOptions.url === '/graphql/stream' ? 'sse' : 'http';
      const v = await accountRequest(request, transport);
      request.viewer = v;
      // A key with an end announces it on every response (as GitHub's token expiration header).
      if (v.kind === 'api-key' && v.expiresAt) void reply.header('torale-key-expiration', v.expiresAt.toISOString());
    });
  },
  { name: 'torale-auth', dependencies: ['torale-errors'] },
);
