// buildApp(container) → the gateway as a Fastify instance: plugins around the container's
// services, then the REST routes. Nothing else; main.ts starts it.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type onRouteHookHandler } from 'fastify';
import { apiKeysRoutes } from './api-keys/api-keys.routes.js';
import type { Container } from './container.js';
import auth from './plugins/auth.js';
import errors from './plugins/errors.js';
import graphql from './plugins/graphql.js';
import health from './plugins/health.js';
import input from './plugins/input.js';
import jobs from './plugins/jobs.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import security from './plugins/security.js';
import { tasksRoutes } from './tasks/tasks.routes.js';
import { usersRoutes } from './users/users.routes.js';

const BODY_LIMIT = 1024 * 1024;

export interface AppOptions {
  /** Sees every route as it is registered (the OpenAPI completeness test lists them this way). */
  onRoute?: onRouteHookHandler;
}

export async function buildApp(container: Container, opts: AppOptions = {}) {
  const { config, services } = container;
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
    loggerInstance: container.logger,
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests already on open connections when shutdown starts are served, not refused.
    return503OnClosing: false,
    // Trust X-Forwarded-For from exactly the configured number of proxy hops.
    ...(config.trustProxy > 0 && { trustProxy: (_addr: string, hop: number) => hop < config.trustProxy }),
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  app.addHook('onClose', () => container.close());

  await app.register(security, { config });
  await app.register(input);
  await app.register(errors);
  await app.register(health, { database: container.database, lifecycle: container.lifecycle });
  await app.register(metrics, { metrics: container.metrics });
  await app.register(auth, { container });
  await app.register(openapi);
  await app.register(graphql, { container });
  await app.register(jobs, {
    jobs: container.jobs,
    runner: container.runner,
    agentConfigured: Boolean(config.agentUrl),
    logger: container.logger,
  });
  await app.register(usersRoutes, { services });
  await app.register(apiKeysRoutes, { services });
  await app.register(tasksRoutes, { services });
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
