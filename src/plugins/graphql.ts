// /graphql: Apollo Server over the type-graphql schema, with the request limits of
// graphql/limits.ts, errors formatted by the catalog, persisted queries (shared through
// Redis when configured), trusted documents (graphql/trusted-documents.ts) and the offline
// playground when introspection is on.
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import { costExtension, requestBudget } from '../budget/graphql-budget.js';
import type { Container } from '../container.js';
import { type GraphQLContext, graphqlContext } from '../graphql/context.js';
import { createFormatError } from '../graphql/format-error.js';
import { checkQuerySize, complexityPlugin, parseOptions, validationRules } from '../graphql/limits.js';
import { PLAYGROUND_CSP, playgroundPlugin } from '../graphql/playground.js';
import { resolveDocumentId } from '../graphql/trusted-documents.js';
import { gatewaySchema, resolverContainer } from './resolvers.js';

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { config, metrics, budgets } = container;
    const schema = await gatewaySchema();
    const resolvers = resolverContainer(container.services);
    const trusted = container.trustedDocuments;
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
        // Cache hints matter only to the public response cache (cache/public-cache.ts).
        ...(container.publicCache ? [] : [ApolloServerPluginCacheControlDisabled()]),
        // Trusted documents first: a refused document is neither charged nor stored by APQ.
        {
          async requestDidStart() {
            return {
              async didResolveOperation({ source, contextValue, operationName }) {
                trusted.check(source, contextValue.viewer, operationName);
              },
            };
          },
        },
        complexityPlugin<GraphQLContext>(schema, { charge: (ctx, cost) => ctx.budget?.charge(cost) }),
        // After the trusted-documents check and the charge: a cached answer costs what it would.
        ...(container.publicCache?.plugins() ?? []),
        // The playground is for exploring the schema: without introspection it has nothing to show.
        config.server.introspection ? playgroundPlugin() : ApolloServerPluginLandingPageDisabled(),
        {
          async requestDidStart() {
            return {
              async executionDidStart() {
                metrics.counts.graphqlExecutions++;
              },
              async willSendResponse(rc) {
                const budget = rc.contextValue.budget;
                budget?.done();
                // What the operation cost and what the caller has left, on every answer (as the headers).
                const cost = budget && costExtension(budget, config.budget.windowSeconds);
                if (cost && rc.response.body.kind === 'single') {
                  const result = rc.response.body.singleResult;
                  result.extensions = { ...result.extensions, cost };
                }
                metrics.graphqlOperation(rc.operationName, rc.errors?.length ? 'error' : 'ok');
              },
            };
          },
        },
      ],
    });
    await apollo.start();
    const publicCache = container.publicCache;
    const notes = new WeakMap<object, { generation?: string; maxAge?: number }>();
    if (publicCache) app.addHook('onReady', () => publicCache.start());
    app.addHook('onClose', async () => {
      await apollo.stop();
      await publicCache?.stop();
    });

    const handler = fastifyApolloHandler(apollo, {
      context: async (request, reply) => {
        const ctx = graphqlContext(resolvers, request.viewer, request);
        ctx.budget = requestBudget(budgets, request.viewer, (h) => void reply.headers(h));
        ctx.publicAnswer = notes.get(request);
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
        if (request.method === 'POST') resolveDocumentId(trusted, request.body, request.viewer);
        // An anonymous read answered whole from the public cache, before Apollo parses it.
        const key = publicCache?.answerKey(request.viewer, request.method, request.body);
        const kept = key === undefined ? undefined : publicCache?.answer(key);
        if (kept !== undefined) return reply.type('application/json; charset=utf-8').send(kept);
        const note = {};
        if (key !== undefined) notes.set(request, note);
        const body = await handler.call(this, request, reply);
        if (key !== undefined && reply.statusCode === 200) publicCache?.remember(key, note, body);
        if (request.method === 'GET' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
          void reply.header('content-security-policy', PLAYGROUND_CSP);
        }
        return body;
      },
    });
  },
  { name: 'torale-graphql', dependencies: ['torale-auth', 'torale-errors'] },
);
