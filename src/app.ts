// buildApp(container) → the gateway as a Fastify instance: plugins around the container's
// services, then the REST routes. Nothing else; main.ts starts it.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type onRouteHookHandler } from 'fastify';
import type { Container } from './container.js';
import webhookInbox from './dev-tools/webhook-inbox.js';
import { serverOptions } from './http/server.js';
import accessLog from './plugins/access-log.js';
import auth from './plugins/auth.js';
import errors from './plugins/errors.js';
import graphql from './plugins/graphql.js';
import health from './plugins/health.js';
import home from './plugins/home.js';
import input from './plugins/input.js';
import jobs from './plugins/jobs.js';
import live from './plugins/live.js';
import metrics from './plugins/metrics.js';
import openapi from './plugins/openapi.js';
import { restRoutes } from './plugins/routes.js';
import security from './plugins/security.js';
import tracing from './plugins/tracing.js';

export interface AppOptions {
  /** Sees every route as it is registered (the OpenAPI completeness test lists them this way). */
  onRoute?: onRouteHookHandler;
}

export async function buildApp(container: Container, opts: AppOptions = {}) {
  const { config, services } = container;
  const app = Fastify(serverOptions(config.server, container.logger)).withTypeProvider<TypeBoxTypeProvider>();
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  app.addHook('onClose', () => container.close());

  if (container.traceIds) await app.register(tracing, { traceIds: container.traceIds });
  await app.register(accessLog, { detailed: config.telemetry.logFormat === 'pretty' });
  await app.register(security, { config: config.server });
  await app.register(input);
  await app.register(errors);
  await app.register(health, { database: container.database, lifecycle: container.lifecycle });
  await app.register(metrics, { metrics: container.metrics });
  await app.register(auth, {
    accountRequest: container.accountRequest,
    budgets: container.budgets,
    authFailures: container.authFailures,
    anonymousLimit: container.anonymousLimit,
  });
  await app.register(openapi);
  await app.register(graphql, { container });
  await app.register(live, { container });
  await app.register(jobs, { container });
  await app.register(restRoutes, { services });
  if (config.server.devTools) await app.register(webhookInbox);
  await app.register(home, { devTools: config.server.devTools });
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
