// Authentication for every request: the container's authenticator turns the credentials
// into request.viewer (anonymous when none were sent). Routes opt out with
// `config: { auth: false }` (health checks, metrics, docs). Addresses that keep failing
// get 429 before any verification work, and so do addresses sending too many requests
// without credentials (GraphQL, the public REST routes, anything else): counted here,
// once per request, so no route can forget it.
import fp from 'fastify-plugin';
import { ANONYMOUS, type Viewer } from '../auth/viewer.js';
import { budgetSubject, rateLimitHeaders } from '../budget/budget.js';
import type { Container } from '../container.js';
import { Errors, isAppError, SERVER_BUSY } from '../errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
  }
  interface FastifyContextConfig {
    /** false = the route never authenticates (health checks, metrics). */
    auth?: boolean;
    /**
     * A route for other systems, authenticated by a signature over its body (Clerk's and
     * GitHub's hooks): held to the anonymous limit per address before its body is read, and
     * a refused signature counts as a failed authentication of that address.
     */
    signedHook?: boolean;
  }
}

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { authenticate, authFailures, anonymousLimit, metrics, budgets } = container;
    app.decorateRequest('viewer', null as never);
    app.addHook('onRequest', async (request, reply) => {
      void reply.header('x-request-id', request.id);
      request.viewer = ANONYMOUS;
      if (request.routeOptions.config?.signedHook) {
        const wait = await authFailures.retryAfter(request.ip);
        if (wait > 0) throw Errors.tooManyRequests(wait);
        const { allowed, retryAfterSeconds } = await anonymousLimit.consume(request.ip);
        if (!allowed) throw Errors.tooManyRequests(retryAfterSeconds);
        return;
      }
      if (request.routeOptions.config?.auth === false) return;
      if (request.headers.authorization) {
        const wait = await authFailures.retryAfter(request.ip);
        if (wait > 0) throw Errors.tooManyRequests(wait);
      }
      try {
        request.viewer = await authenticate(request);
      } catch (err) {
        metrics.authFailure(err);
        // Refused credentials, and credentials refused for want of room to check them,
        // both count against the address (a flood of either ends in 429 before any work).
        if (isAppError(err) && (err.status === 401 || err.detail === SERVER_BUSY))
          await authFailures.record(request.ip);
        throw err;
      }
      const v = request.viewer;
      // A key with an end announces it on every response (as GitHub's token expiration header).
      if (v.kind === 'api-key' && v.expiresAt) void reply.header('torale-key-expiration', v.expiresAt.toISOString());
      // The caller's budget: REST requests here; GraphQL is charged its cost once known (plugins/graphql).
      const subject = budgetSubject(v);
      if (subject !== undefined) {
        const graphql = request.routeOptions.url === '/graphql';
        const counter = graphql ? budgets.graphql : budgets.rest;
        if (counter.enabled) {
          const state = graphql || request.method === 'OPTIONS' ? counter.peek(subject) : counter.charge(subject, 1);
          void reply.headers(rateLimitHeaders(state));
          if (!state.allowed) throw Errors.tooManyRequests(state.retryAfterSeconds);
        }
      }
      // Preflights do no work and browsers send them on their own.
      if (request.viewer.kind === 'anonymous' && request.method !== 'OPTIONS') {
        const { allowed, retryAfterSeconds } = await anonymousLimit.consume(request.ip);
        if (!allowed) throw Errors.tooManyRequests(retryAfterSeconds);
      }
    });
    app.addHook('onResponse', async (request, reply) => {
      if (request.routeOptions.config?.signedHook && (reply.statusCode === 400 || reply.statusCode === 401)) {
        await authFailures.record(request.ip);
      }
    });
  },
  { name: 'torale-auth', dependencies: ['torale-errors'] },
);
