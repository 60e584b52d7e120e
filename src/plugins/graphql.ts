// /graphql: Apollo Server over the type-graphql schema, with the request limits of
// graphql/limits.ts, errors formatted by the catalog, persisted queries (shared through
// Redis when configured) and the offline playground when introspection is on.
import { ApolloServer, HeaderMap } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import { GraphQLError } from 'graphql';
import { budgetSubject, budgetUser, rateLimitHeaders, retryAfter } from '../budget/budget.js';
import type { Container } from '../container.js';
import { type GraphQLContext, graphqlContext } from '../graphql/context.js';
import { createFormatError } from '../graphql/format-error.js';
import { checkQuerySize, complexityPlugin, parseOptions, validationRules } from '../graphql/limits.js';
import { PLAYGROUND_CSP, playgroundPlugin } from '../graphql/playground.js';
import { gatewaySchema, resolverContainer } from './resolvers.js';

/** The contract's 429 as a GraphQL request error (HTTP 429, Retry-After). */
const tooManyRequests = (retryAfterSeconds: number) =>
  new GraphQLError('Too many requests', {
    extensions: {
      code: 'TOO_MANY_REQUESTS',
      // Apollo reads a Map here; another package's typing says a record.
      http: { status: 429, headers: new HeaderMap([['retry-after', String(Math.max(1, retryAfterSeconds))]]) as never },
    },
  });

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { config, metrics, budgets } = container;
    const schema = await gatewaySchema();
    const resolvers = resolverContainer(container.services);
    const apollo = new ApolloServer<GraphQLContext>({
      schema,
      parseOptions,
      validationRules,
      introspection: config.server.introspection,
      includeStacktraceInErrorResponses: false,
      // No "Did you mean …?" field suggestions: they disclose the schema when introspection is off.
      hideSchemaDetailsFromClientErrors: true,
      csrfPrevention: true,
      allowBatchedHttpRequests: false,
      // Apollo stores a registered query only after didResolveOperation, i.e. once it passed
      // the size check below, the token, depth, alias and directive limits, the argument
      // ranges and the cost (test/security/anonymous-flood.test.ts holds it to that).
      persistedQueries: container.apqCache ? { cache: container.apqCache, ttl: 24 * 3600 } : {},
      stopOnTerminationSignals: false,
      formatError: createFormatError(container.logger, container.traceIds),
      plugins: [
        ApolloServerPluginCacheControlDisabled(),
        complexityPlugin<GraphQLContext>(schema, { charge: (ctx, cost) => ctx.budget?.charge(cost) }),
        // The playground is for exploring the schema: without introspection it has nothing to show.
        config.server.introspection ? playgroundPlugin() : ApolloServerPluginLandingPageDisabled(),
        {
          async requestDidStart() {
            return {
              async executionDidStart() {
                metrics.counts.graphqlExecutions++;
              },
              async willSendResponse(rc) {
                rc.contextValue.budget?.done();
                metrics.graphqlOperation(rc.operationName, rc.errors?.length ? 'error' : 'ok');
              },
            };
          },
        },
      ],
    });
    await apollo.start();
    app.addHook('onClose', async () => {
      await apollo.stop();
    });

    const handler = fastifyApolloHandler(apollo, {
      context: async (request, reply) => {
        const ctx = graphqlContext(resolvers, request.viewer, request);
        const subject = budgetSubject(request.viewer);
        const user = budgetUser(request.viewer);
        if (subject === undefined || user === undefined) return ctx;
        let release: (() => void) | undefined;
        ctx.budget = {
          async charge(cost) {
            const points = budgets.graphql.enabled;
            // One that cannot fit is refused before it waits for a turn; a refused one is not charged.
            const left = points ? budgets.graphql.peek(subject) : undefined;
            if (left && cost > left.remaining) {
              void reply.headers(rateLimitHeaders(left));
              throw tooManyRequests(retryAfter(left.resetAt));
            }
            // An expensive operation waits for its user's turn (at most so many at once, a share of the time).
            if (cost >= budgets.expensiveCost) {
              release = await budgets.expensive.acquire(user);
              if (!release) throw tooManyRequests(1);
            }
            if (!points) return;
            const state = budgets.graphql.charge(subject, cost);
            void reply.headers(rateLimitHeaders(state));
            if (!state.allowed) {
              this.done();
              throw tooManyRequests(state.retryAfterSeconds);
            }
          },
          done() {
            release?.();
            release = undefined;
          },
        };
        return ctx;
      },
    }) as unknown as RouteHandlerMethod;
    app.route({
      url: '/graphql',
      method: ['GET', 'POST', 'OPTIONS'],
      schema: { hide: true } as object,
      handler: async function (request, reply) {
        // Before Apollo: a long comment is no token, but would be parsed and stored as sent.
        checkQuerySize(request.method === 'GET' ? request.query : request.body);
        const body = await handler.call(this, request, reply);
        if (request.method === 'GET' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
          void reply.header('content-security-policy', PLAYGROUND_CSP);
        }
        return body;
      },
    });
  },
  { name: 'torale-graphql', dependencies: ['torale-auth', 'torale-errors'] },
);
