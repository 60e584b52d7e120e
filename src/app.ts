// buildApp(config, deps) → the whole gateway as a Fastify instance: authentication hook,
// /graphql (Apollo), REST shims, health checks, one error handler. main.ts only starts it.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Ajv from 'ajv';
import Fastify, { type FastifyInstance, type RouteHandlerMethod } from 'fastify';
import { apiKeysRoutes } from './api-keys/api-keys.routes.js';
import { ApiKeyVerifier } from './auth/api-key-verifier.js';
import { type Authenticate, createAuthenticator } from './auth/authenticate.js';
import { ClerkAuth } from './auth/clerk.js';
import { AuthFailureLimiter } from './auth/failure-limiter.js';
import { ANONYMOUS, type Viewer } from './auth/viewer.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { Errors, isAppError } from './errors.js';
import type { GraphQLContext } from './graphql/context.js';
import { createFormatError } from './graphql/format-error.js';
import { complexityPlugin, parseOptions, validationRules } from './graphql/limits.js';
import { PLAYGROUND_CSP, playgroundPlugin } from './graphql/playground.js';
import { getSchema } from './graphql/schema.js';
import { httpErrorOf, sendError } from './http/error-handler.js';
import { detailSchema } from './http/schemas.js';
import { type Logger, loggerOptions } from './lib/logger.js';
import { createRateLimiter, type RateLimiter } from './lib/rate-limit.js';
import { RedisKeyValueCache } from './lib/redis-cache.js';
import { registerMetrics } from './metrics.js';
import { AgentClient } from './runs/agent.js';
import { type JobEngine, NO_RUNS, type RunsPort } from './runs/engine.js';
import { Runner } from './runs/runner.js';
import { createServices, type Services } from './services.js';
import { tasksRoutes } from './tasks/tasks.routes.js';
import { usersRoutes } from './users/users.routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer;
  }
  interface FastifyContextConfig {
    /** false = the route never authenticates (health checks). */
    auth?: boolean;
  }
  interface FastifyInstance {
    gateway: Gateway;
  }
}

/** What tests, benchmarks and /metrics may inspect of a running app. */
export interface Gateway {
  /** Present when this instance executes runs. */
  runner: Runner | undefined;
  /** Counters tests read: GraphQL operations that reached execution. */
  stats: { graphqlExecutions: number };
  /** Every route as registered (the OpenAPI completeness test reads it). */
  routes: { method: string; url: string; hidden: boolean }[];
  config: Config;
  database: Database;
  services: Services;
  apiKeys: ApiKeyVerifier;
  clerk: ClerkAuth;
  authenticate: Authenticate;
  rateLimiter: RateLimiter;
}

export interface AppDeps {
  database: Database;
  /** The job engine: when given, this instance also executes runs and delivers webhooks. */
  jobs?: JobEngine;
  /** Where executions go when this instance has no engine (default: queued for others). */
  runs?: RunsPort;
  /** A logger to use instead of one built from config (tests capture logs this way). */
  logger?: Logger;
  rateLimiter?: RateLimiter;
}

const BODY_LIMIT = 1024 * 1024;

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  // Bodies are validated strictly (no coercion, unknown fields refused where the schema
  // says so); query strings and path params are coerced from their string form.
  const ajvOptions = { allErrors: true, strict: false, useDefaults: true } as const;
  const bodyAjv = new Ajv.default({ ...ajvOptions, coerceTypes: false, removeAdditional: false });
  const paramAjv = new Ajv.default({ ...ajvOptions, coerceTypes: 'array', removeAdditional: false });
  for (const ajv of [bodyAjv, paramAjv]) {
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    ajv.addFormat('date-time', true);
    ajv.addFormat('uri', true);
    ajv.addFormat('email', true);
  }

  const app = Fastify({
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default):
    // check often enough that a slow client is cut off close to REQUEST_TIMEOUT_MS.
    serverFactory: (handler) =>
      createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: config.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, Math.ceil(config.requestTimeoutMs / 4)),
          keepAliveTimeout: 72_000,
        },
        handler,
      ),
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.logLevel) }),
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests already on open connections when shutdown starts are served, not refused.
    return503OnClosing: false,
    // Trust X-Forwarded-For from exactly the configured number of proxy hops.
    ...(config.trustProxy > 0 && { trustProxy: (_addr: string, hop: number) => hop < config.trustProxy }),
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : paramAjv).compile(schema as object),
  );

  const logger = app.log;
  const { database } = deps;
  const db = database.db;
  const clerk = new ClerkAuth(
    {
      secretKey: config.clerkSecretKey,
      apiUrl: config.clerkApiUrl,
      jwtKey: config.clerkJwtKey,
      authorizedParties: config.clerkAuthorizedParties,
    },
    logger,
  );
  const apiKeys = new ApiKeyVerifier(db, logger, { bcryptEveryRequest: config.benchBcryptEveryRequest });
  const rateLimiter = deps.rateLimiter ?? createRateLimiter(config.redisUrl, logger);
  const runs = deps.jobs ?? deps.runs ?? NO_RUNS;
  const services = createServices({ config, db, clerk, rateLimiter, runs });
  // With an engine, runs are always enqueued; this instance also executes them unless TORALE_RUNNER=0.
  const runner =
    deps.jobs && config.runner
      ? new Runner(
          db,
          deps.jobs,
          new AgentClient(
            [config.agentUrl, config.agentUrlFallback].filter((u): u is string => !!u),
            config.agentTimeoutMs,
          ),
          logger,
          {
            defaultIntervalSeconds: config.defaultCheckIntervalSeconds,
            maxAttempts: config.runMaxAttempts,
            allowInsecureTargets: config.webhookAllowInsecureTargets,
            webhookTimeoutMs: 10_000,
            webhookMaxAttempts: 6,
          },
        )
      : undefined;
  const authenticate = createAuthenticator({ db, apiKeys, clerk, noAuth: config.noAuth });
  const routes: Gateway['routes'] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true });
    }
  });
  const gateway: Gateway = {
    runner,
    stats: { graphqlExecutions: 0 },
    routes,
    config,
    database,
    services,
    apiKeys,
    clerk,
    authenticate,
    rateLimiter,
  };
  app.decorate('gateway', gateway);
  const metrics = registerMetrics(app, gateway);
  app.decorateRequest('viewer', null as never);

  // Security headers on every response. API answers are JSON, so the default policy allows
  // nothing to load; the playground and /docs pages set their own route-level policy.
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  // Browsers may call the API only from the configured origins (the dashboard). Apollo
  // Client's client-awareness headers and preflight are allowed.
  await app.register(fastifyCors, {
    origin: config.corsOrigins.length > 0 ? [...config.corsOrigins] : false,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'accept',
      'apollographql-client-name',
      'apollographql-client-version',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'idempotency-key',
      'x-request-id',
    ],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });

  // An empty JSON body (common from dashboards posting to action endpoints) means "no body".
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // Only JSON bodies are accepted: a text/plain POST (a "simple" cross-site request) gets 415.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) done(null, undefined);
    else defaultJson(req, body as string, done);
  });

  const authFailures = new AuthFailureLimiter(config.authFailureLimitPerMinute);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
    request.viewer = ANONYMOUS;
    if (request.routeOptions.config?.auth === false) return;
    if (request.headers.authorization) {
      const wait = authFailures.retryAfter(request.ip);
      if (wait > 0) throw Errors.tooManyRequests(wait);
    }
    try {
      request.viewer = await authenticate(request.headers);
    } catch (err) {
      metrics.authFailure(err);
      if (isAppError(err) && err.status === 401) authFailures.record(request.ip);
      throw err;
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const err = httpErrorOf(error, request);
    if (err.status >= 500) {
      const log = err.status === 503 ? request.log.warn.bind(request.log) : request.log.error.bind(request.log);
      log({ err: error }, 'request failed');
    }
    return sendError(request, reply, err);
  });
  app.setNotFoundHandler((request, reply) => sendError(request, reply, Errors.notFound()));

  // --- health -------------------------------------------------------------------------
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // While shutting down, every response closes its connection, so keep-alive clients move
  // to another instance and close() is not held open by idle sockets.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  app.get('/healthz', { config: { auth: false }, schema: { hide: true } as object }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { config: { auth: false }, schema: { hide: true, response: { 503: detailSchema } } as object },
    async (_req, reply) => {
      if (closing) return reply.code(503).send({ detail: 'Shutting down' });
      try {
        await database.ping(2000);
        return { status: 'ready' };
      } catch {
        return reply.code(503).send({ detail: 'Database unavailable' });
      }
    },
  );

  // --- GraphQL ------------------------------------------------------------------------
  const apqCache = config.redisUrl ? new RedisKeyValueCache(config.redisUrl, logger) : undefined;
  const schema = await getSchema();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    parseOptions,
    validationRules,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // No "Did you mean …?" field suggestions: they disclose the schema when introspection is off.
    hideSchemaDetailsFromClientErrors: true,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // Automatic persisted queries: in-process by default, shared through Redis when configured.
    persistedQueries: apqCache ? { cache: apqCache, ttl: 24 * 3600 } : {},
    stopOnTerminationSignals: false,
    formatError: createFormatError(logger),
    plugins: [
      ApolloServerPluginCacheControlDisabled(),
      complexityPlugin(schema),
      // The playground is for exploring the schema: without introspection it has nothing to show.
      config.introspection ? playgroundPlugin() : ApolloServerPluginLandingPageDisabled(),
      {
        async requestDidStart() {
          return {
            async executionDidStart() {
              gateway.stats.graphqlExecutions++;
            },
            async willSendResponse(rc) {
              metrics.graphqlOperation(rc.operationName, rc.errors?.length ? 'error' : 'ok');
            },
          };
        },
      },
    ],
  });
  await apollo.start();
  if (deps.jobs && runner) {
    const jobs = deps.jobs;
    if (!config.agentUrl) logger.warn('TORALE_AGENT_URL is not set: executions will fail at once with a clear error');
    app.addHook('onReady', async () => {
      await jobs.work({
        schedule: (taskId) => runner.schedule(taskId),
        execution: (executionId) => runner.execute(executionId),
        delivery: (deliveryId) => runner.deliver(deliveryId),
        reconcile: async () => {
          await runner.reconcile();
        },
      });
      await runner.reconcile();
    });
  }
  if (deps.jobs) {
    const jobs = deps.jobs;
    app.addHook('onClose', async () => {
      await jobs.stop();
    });
  }
  app.addHook('onClose', async () => {
    await apollo.stop();
    await rateLimiter.close();
    apqCache?.close();
  });
  const graphqlHandler = fastifyApolloHandler(apollo, {
    context: async (request) => ({ viewer: request.viewer, services }),
  });
  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    schema: { hide: true } as object,
    handler: async (request, reply) => {
      const body = await (graphqlHandler as unknown as RouteHandlerMethod).call(app, request, reply);
      if (request.method === 'GET' && String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
        void reply.header('content-security-policy', PLAYGROUND_CSP);
      }
      return body;
    },
  });

  // --- REST ---------------------------------------------------------------------------
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Torale Gateway REST API',
        version: '1.0.0',
        description:
          'The documented Torale REST API. Authenticate with `Authorization: Bearer sk_...` or a Clerk session token.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { config: { auth: false }, schema: { hide: true } as object }, async () => app.swagger());
  await app.register(usersRoutes, { services });
  await app.register(apiKeysRoutes, { services });
  await app.register(tasksRoutes, { services });

  return app;
}
