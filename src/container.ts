// Builds every service, cache, limiter and job handler of the gateway from config, the
// database and the job engine, with plain factories — no Fastify, so tests and scripts
// can build it alone. Each feature registers its jobs and cleanups with the engine here;
// the engine starts them when the app is ready. app.ts puts HTTP around it; main.ts starts both.
import type { Kysely } from 'kysely';
import { createAdminService } from './admin/admin.service.js';
import { createPlatformService } from './admin/platform.service.js';
import { createTaskActionsService } from './admin/task-actions.service.js';
import { createApiKeysService } from './api-keys/api-keys.service.js';
import { createAuthAccounting } from './auth/accounting.js';
import { ApiKeyVerifier } from './auth/api-key-verifier.js';
import { type AuthStrategy, createAuthenticator } from './auth/authenticator.js';
import { ClerkAuth } from './auth/clerk.js';
import { AuthFailureLimiter } from './auth/failure-limiter.js';
import { apiKeyStrategy } from './auth/strategies/api-key.strategy.js';
import { clerkSessionStrategy } from './auth/strategies/clerk-session.strategy.js';
import { devUserStrategy } from './auth/strategies/dev-user.strategy.js';
import { createBudgets } from './budget/budget.js';
import { PublicCache } from './cache/public-cache.js';
import type { Config } from './config/config.js';
import { createConnectorsService } from './connectors/connectors.service.js';
import type { Database } from './db/database.js';
import type { DB } from './db/types.js';
import { inertEngine, type JobEngine } from './engine/job-engine.js';
import { createFeedService } from './feed/feed.service.js';
import { TrustedDocuments } from './graphql/trusted-documents.js';
import type { Logger } from './lib/logger.js';
import { createRateLimits, type RateLimits } from './lib/rate-limit.js';
import { RedisKeyValueCache } from './lib/redis-cache.js';
import { LiveHub } from './live/hub.js';
import { createLiveService } from './live/live.service.js';
import { createMetrics } from './metrics.js';
import { createEmailVerificationService } from './notifications/email-verification.service.js';
import { registerEmails } from './notifications/emails.jobs.js';
import type { Emails } from './notifications/emails.js';
import { createHistoryService } from './notifications/history.service.js';
import { createMailer } from './notifications/mailer.js';
import { AgentClient } from './runs/agent.js';
import { type RunQueue, registerRuns } from './runs/runs.jobs.js';
import { createClerkWebhooksService } from './security/clerk-webhooks.service.js';
import { gitHubKeys } from './security/github-keys.js';
import { createSecretScanningService } from './security/secret-scanning.service.js';
import { createSecurityEventsService, type SecurityEventsService } from './security/security-events.service.js';
import { createExecutionsService } from './tasks/executions.service.js';
import { createPublicTasksService } from './tasks/public-tasks.service.js';
import { createSharingService } from './tasks/sharing.service.js';
import { createTasksService } from './tasks/tasks.service.js';
import type { TraceIds } from './telemetry.js';
import { createTemplatesService } from './templates/templates.service.js';
import { createUsersService } from './users/users.service.js';
import { createWaitlistService } from './waitlist/waitlist.service.js';
import { createTaskWebhooksService } from './webhooks/task-webhooks.service.js';
import { registerWebhookDeliveries, type WebhookDeliveries } from './webhooks/webhooks.jobs.js';
import { createWebhooksService } from './webhooks/webhooks.service.js';

export interface ContainerDeps {
  database: Database;
  logger: Logger;
  /**
   * The job engine every feature registers its jobs with; this instance works them unless
   * TORALE_RUNNER=0. Default: an inert one (what is queued waits for an instance with one).
   */
  engine?: JobEngine;
  /** Set when tracing is on: the active trace's ids, for response headers and GraphQL errors. */
  traceIds?: () => TraceIds | undefined;
}

/** What the services get of the background work: where runs are queued, how webhooks and emails go out. */
export interface ServiceJobs {
  securityEvents: SecurityEventsService;
  runs: RunQueue;
  webhookDeliveries: WebhookDeliveries;
  emails: Emails;
}

export function createServices(
  config: Config,
  db: Kysely<DB>,
  clerk: ClerkAuth,
  rateLimits: RateLimits,
  hub: LiveHub,
  logger: Logger,
  jobs: ServiceJobs,
) {
  const { securityEvents, runs, webhookDeliveries, emails } = jobs;
  const executions = createExecutionsService({ db, runs });
  const { auth, limits, webhooks } = config;
  const notificationRules = { allowInsecureTargets: webhooks.allowInsecureTargets };
  const tasks = createTasksService({ db, executions, maxTasksPerUser: limits.maxTasksPerUser, notificationRules });
  // The admin guard and audit log every admin view and action goes through.
  const admin = createAdminService({ db, clerk, logger, maxUsers: limits.maxUsers, events: securityEvents });
  return {
    users: createUsersService({ db, clerk, noAuthEmail: auth.noAuthEmail, maxUsers: config.limits.maxUsers }),
    apiKeys: createApiKeysService({
      db,
      clerk,
      createLimit: rateLimits.limit('api-key-create', limits.apiKeyCreatesPerMinute, 60_000),
      bcryptCost: auth.apiKeyBcryptCost,
      events: securityEvents,
    }),
    securityEvents,
    secretScanning: createSecretScanningService({
      db,
      keys: gitHubKeys(auth.secretScanningKeysUrl, logger),
      events: securityEvents,
      logger,
      answerWithinMs: auth.secretScanningAnswerWithinMs,
    }),
    clerkWebhooks: createClerkWebhooksService({
      db,
      clerk,
      signingSecret: auth.clerkWebhookSigningSecret,
      events: securityEvents,
    }),
    executions,
    sharing: createSharingService({ db, maxTasksPerUser: limits.maxTasksPerUser }),
    publicTasks: createPublicTasksService({ db, dashboardUrl: config.email.dashboardUrl }),
    live: createLiveService({ db, hub }),
    tasks,
    // The dashboard's views: feeds, templates, default webhook, notification history, emails.
    feed: createFeedService({ db }),
    templates: createTemplatesService({ db }),
    webhooks: createWebhooksService({
      db,
      rules: notificationRules,
      testLimit: rateLimits.limit('webhook-test', 5, 60_000),
      timeoutMs: webhooks.timeoutMs,
      testPorts: webhooks.testPorts,
    }),
    taskWebhooks: createTaskWebhooksService({
      db,
      deliveries: webhookDeliveries,
      overlapHours: webhooks.secretOverlapHours,
      testLimit: rateLimits.limit('task-webhook-test', 5, 60_000),
      replayLimit: rateLimits.limit('task-webhook-replay', 5, 60_000),
    }),
    history: createHistoryService({ db }),
    emailVerification: createEmailVerificationService({
      db,
      emails,
      links: { dashboardUrl: config.email.dashboardUrl },
      bcryptCost: config.auth.apiKeyBcryptCost,
    }),
    connectors: createConnectorsService(),
    waitlist: createWaitlistService({
      db,
      joinLimit: rateLimits.limit('waitlist-join', limits.waitlistJoinsPerMinute, 60_000),
      admin,
    }),
    admin,
    platform: createPlatformService({ db, maxUsers: limits.maxUsers, admin }),
    taskActions: createTaskActionsService({ db, tasks, executions, admin }),
  };
}

export type Services = ReturnType<typeof createServices>;

/** Where this instance is in its life: draining = shutting down, readiness fails. */
export interface Lifecycle {
  draining: boolean;
}

export function createContainer(config: Config, deps: ContainerDeps) {
  const { database, logger } = deps;
  const db = database.db;
  const clerk = new ClerkAuth(config.auth, logger);
  const apiKeyVerifier = new ApiKeyVerifier(db, logger);
  const strategies: AuthStrategy[] = [apiKeyStrategy(apiKeyVerifier), clerkSessionStrategy(db, clerk)];
  if (config.auth.noAuth) strategies.push(devUserStrategy(db, config.server.corsOrigins));
  const rateLimits = createRateLimits(config.database.redisUrl, logger);
  const budgets = createBudgets({ ...config.budget, redis: rateLimits.redis, logger });
  const authFailures = new AuthFailureLimiter(config.limits.authFailuresPerMinute);
  const anonymousLimit = rateLimits.limit('anonymous', config.limits.anonymousPerMinute, 60_000);
  const engine = deps.engine ?? inertEngine();
  // The features' background work, each registered with the engine by the feature itself.
  const securityEvents = createSecurityEventsService({ db, logger });
  const mailer = createMailer(config.email, logger);
  // Emails are recorded where they happen and attempted by the engine's email queue.
  const emails = registerEmails({ db, engine, mailer, logger, config });
  const webhookDeliveries = registerWebhookDeliveries({
    db,
    engine,
    logger,
    securityLog: securityEvents,
    emails,
    opts: { ...config.webhooks, ...config.engine },
  });
  const runs = registerRuns({
    db,
    engine,
    agent: new AgentClient(
      [config.engine.agentUrl, config.engine.agentUrlFallback].filter((u): u is string => !!u),
      config.engine.agentTimeoutMs,
    ),
    logger,
    opts: config.engine,
    listeners: [webhookDeliveries.runListener, emails.runListener],
  });
  // Automatic persisted queries: shared through Redis when configured, else in-process (Apollo's own).
  const apqCache = config.database.redisUrl ? new RedisKeyValueCache(config.database.redisUrl, logger) : undefined;

  // Anonymous public reads over GraphQL, retired by `torale_public` notifications (cache/).
  const publicCache = config.publicCache.enabled
    ? new PublicCache(database, logger, { ...config.publicCache, redisUrl: config.database.redisUrl })
    : undefined;

  const lifecycle: Lifecycle = { draining: false };
  const hub = new LiveHub(database, logger);
  /** Live connections open here (the live plugin keeps it). */
  const liveCount = { connections: 0 };
  const services = createServices(config, db, clerk, rateLimits, hub, logger, {
    securityEvents,
    runs,
    webhookDeliveries,
    emails,
  });
  apiKeyVerifier.reportTo(services.securityEvents);
  // A profile (role) changed on any instance: this one forgets its cached copy too.
  hub.keepFresh(clerk);
  // What each feature keeps only for a while, forgotten by the engine's hourly cleanup.
  engine.cleanup('idempotencyKeys', services.tasks.cleanup);
  engine.cleanup('views', services.sharing.cleanup);
  engine.cleanup('securityEvents', services.securityEvents.cleanup);
  const metrics = createMetrics({
    database,
    apiKeyVerifier,
    clerk,
    engine,
    runs,
    webhookDeliveries,
    live: { count: liveCount, hub },
    publicCache,
  });
  const authenticate = createAuthenticator(strategies);
  const td = config.trustedDocuments;
  const trustedDocuments = new TrustedDocuments(td.mode, td.dir, td.freeformScope, logger, metrics.untrustedDocument);
  return {
    config,
    logger,
    traceIds: deps.traceIds,
    lifecycle,
    database,
    clerk,
    apiKeyVerifier,
    authenticate,
    /** Every request and live connection is authenticated and counted through this (auth/accounting.ts). */
    accountRequest: createAuthAccounting({
      authenticate,
      failures: authFailures,
      anonymous: anonymousLimit,
      onRefused: metrics.authFailure,
    }).accountRequest,
    /** Refused credentials per address (signed hooks and live sockets count here too). */
    authFailures,
    /** Requests without credentials, per client address (in Redis when configured, so shared). */
    anonymousLimit,
    rateLimits,
    /** Per-caller budgets: REST requests and GraphQL points per window, expensive operations at once. */
    budgets,
    apqCache,
    /** The response cache of anonymous public GraphQL reads (undefined: PUBLIC_CACHE=false). */
    publicCache,
    /** The trusted-documents manifests and mode (HTTP, WebSocket, SSE and multipart alike). */
    trustedDocuments,
    engine,
    runs,
    webhookDeliveries,
    emails,
    hub,
    services,
    live: liveCount,
    metrics,
    /** Releases what the container opened (the database and engine belong to the caller). */
    async close(): Promise<void> {
      trustedDocuments.close();
      budgets.close();
      await budgets.sync();
      await rateLimits.close();
      apqCache?.close();
      mailer?.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
