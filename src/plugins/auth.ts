// Authentication for every request: the one accounting path (auth/accounting.ts, shared
// with the live WebSocket) turns the credentials into request.viewer (anonymous when none
// were sent), once per request, so no route can forget it. Routes opt out with
// `config: { auth: false }` (health checks, metrics, docs).
import fp from 'fastify-plugin';
import type { AccountRequest } from '../auth/accounting.js';
import type { AuthFailureLimiter } from '../auth/failure-limiter.js';
import { ANONYMOUS, type Viewer } from '../auth/viewer.js';
import { type Budgets, budgetSubject, rateLimitHeaders } from '../budget/budget.js';
import { Errors } from '../errors.js';
import type { RateLimit } from '../lib/rate-limit.js';

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

export interface AuthPluginOptions {
  accountRequest: AccountRequest;
  budgets: Budgets;
  /** For signed hooks, which skip user authentication but not the per-address limits. */
  authFailures: Pick<AuthFailureLimiter, 'retryAfter' | 'record'>;
  anonymousLimit: RateLimit;
}

export default fp<AuthPluginOptions>(
  async (app, { accountRequest, budgets, authFailures, anonymousLimit }) => {
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
      const transport = request.routeOptions.url === '/graphql/stream' ? 'sse' : 'http';
      const v = await accountRequest(request, transport);
      request.viewer = v;
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
    });
    // Any 429 to a known caller (a spent budget, no turn for an expensive operation, replays
    // or test pings over their limit) is held a moment before it is sent (budget/fair-share.ts):
    // a client that retries at once, ignoring Retry-After, then costs a few requests a second.
    // A callback hook, not an async one: every other answer passes without a promise.
    app.addHook('onSend', (request, reply, payload, done) => {
      const subject = reply.statusCode === 429 ? budgetSubject(request.viewer) : undefined;
      if (subject === undefined) return done(null, payload);
      const retryAfter = Number(reply.getHeader('retry-after'));
      budgets.refusals.hold(subject, retryAfter > 0 ? retryAfter * 1000 : undefined).then(
        () => done(null, payload),
        (err: Error) => done(err),
      );
    });
    app.addHook('onResponse', async (request, reply) => {
      if (request.routeOptions.config?.signedHook && (reply.statusCode === 400 || reply.statusCode === 401)) {
        await authFailures.record(request.ip);
      }
    });
  },
  { name: 'torale-auth', dependencies: ['torale-errors'] },
);
