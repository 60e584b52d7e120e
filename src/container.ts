// Builds every service, cache, limiter and job handler of the gateway from config, the
// database and the job engine, with plain factories — no Fastify, so tests and scripts
// can build it alone. app.ts puts HTTP around it; main.ts starts both.
import type { Kysely } from 'kysely';
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
import type { Config } from './config/config.js';
import { createConnectorsService } from './connectors/connectors.service.js';
import type { Database } from './db/database.js';
import type { DB } from './db/types.js';
import { createFeedService } from './feed/feed.service.js';
import type { Logger } from './lib/logger.js';
import { createRateLimits, type RateLimits } from './lib/rate-limit.js';
import { RedisKeyValueCache } from './lib/redis-cache.js';
import { LiveHub } from './live/hub.js';
import { createLiveService } from './live/live.service.js';
import { createMetrics } from './metrics.js';
import { createEmailVerificationService } from './notifications/email-verification.service.js';
import { createEmails, type Emails } from './notifications/emails.js';
import { createHistoryService } from './notifications/history.service.js';
import { createMailer, DEFAULT_FROM } from './notifications/mailer.js';
import { AgentClient } from './runs/agent.js';
import type { OnWebhookDisabled } from './runs/delivery-job.js';
import { type JobEngine, NO_RUNS, type RunsPort } from './runs/engine.js';
import type { RunStats } from './runs/run-context.js';
import { createRunner } from './runs/runner.js';
import { createWebhookAttempts, type WebhookAttempts } from './runs/webhook-attempts.js';
import { createClerkWebhooksService } from './security/clerk-webhooks.service.js';
import { GitHubKeys } from './security/github-keys.js';
import { createSecretScanningService } from './security/secret-scanning.service.js';
import { createSecurityEventsService } from './security/security-events.service.js';
import { createExecutionsService } from './tasks/executions.service.js';
import { createPublicTasksService } from './tasks/public-tasks.service.js';
import { createSharingService } from './tasks/sharing.service.js';
import { createTasksService } from './tasks/tasks.service.js';
import type { TraceIds } from './telemetry.js';
import { createTemplatesService } from './templates/templates.service.js';
import { createUsersService } from './users/users.service.js';
import { createTaskWebhooksService } from './webhooks/task-webhooks.service.js';
import { createWebhooksService } from './webhooks/webhooks.service.js';

export interface ContainerDeps {
  database: Database;
  logger: Logger;
  /** The job engine: when given, runs are enqueued on it (and executed here unless TORALE_RUNNER=0). */
  jobs?: JobEngine;
  /** Where executions go when there is no engine (default: queued for instances that have one). */
  runs?: RunsPort;
  /** Set when tracing is on: the active trace's ids, for response headers and GraphQL errors. */
  traceIds?: () => TraceIds | undefined;
  /** Told when the gateway disables a task's webhook (410 Gone, or failing too long). */
  onWebhookDisabled?: OnWebhookDisabled;
}

export function createServices(
  config: Config,
  db: Kysely<DB>,
  clerk: ClerkAuth,
  rateLimits: RateLimits,
  runs: RunsPort,
  hub: LiveHub,
  logger: Logger,
  webhookAttempts: WebhookAttempts,
  emails: Emails,
) {
  const executions = createExecutionsService({ db, runs });
  const securityEvents = createSecurityEventsService({ db, logger });
  const { auth, limits, webhooks } = config;
  const notificationRules = { allowInsecureTargets: webhooks.allowInsecureTargets };
  return {
    users: createUsersService({ db, clerk, noAuthEmail: auth.noAuthEmail }),
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
      keys: new GitHubKeys(auth.secretScanningKeysUrl, logger),
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
    publicTasks: createPublicTasksService({ db }),
    live: createLiveService({ db, hub }),
    tasks: createTasksService({
      db,
      executions,
      maxTasksPerUser: limits.maxTasksPerUser,
      notificationRules,
    }),
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
      queue: runs,
      attempts: webhookAttempts,
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
  };
}

export type Services = ReturnType<typeof createServices>;

/** Where this instance is in its life: draining = shutting down, readiness fails. */
export interface Lifecycle {
  draining: boolean;
}

export function createContainer(config: Config, deps: ContainerDeps) {
  const { database, logger, jobs } = deps;
  const db = database.db;
  const clerk = new ClerkAuth(config.auth, logger);
  const apiKeyVerifier = new ApiKeyVerifier(db, logger);
  const strategies: AuthStrategy[] = [apiKeyStrategy(apiKeyVerifier), clerkSessionStrategy(db, clerk)];
  if (config.auth.noAuth) strategies.push(devUserStrategy(db, config.server.corsOrigins));
  const rateLimits = createRateLimits(config.database.redisUrl, logger);
  const budgets = createBudgets({ ...config.budget, redis: rateLimits.redis, logger });
  const authFailures = new AuthFailureLimiter(config.limits.authFailuresPerMinute);
  const anonymousLimit = rateLimits.limit('anonymous', config.limits.anonymousPerMinute, 60_000);
  const runs = jobs ?? deps.runs ?? NO_RUNS;
  const runStats: RunStats = { outcomes: {}, agentCalls: 0, webhookAttempts: 0, forgottenScheduled: 0 };
  const mailer = createMailer(config.email, logger);
  // Emails are recorded where they happen and attempted by the engine's email queue.
  const emails = createEmails({
    db,
    mailer,
    queue: jobs,
    logger,
    links: { dashboardUrl: config.email.dashboardUrl },
    from: config.email.from ?? DEFAULT_FROM,
    scheduleSeconds: config.email.retryScheduleSeconds,
    heldRecheckSeconds: config.engine.heldRecheckSeconds,
  });
  // Webhook attempts are made by delivery jobs and by test pings; retries and replays are queued on the engine.
  const webhookAttempts = createWebhookAttempts({
    db,
    queue: jobs,
    logger,
    stats: runStats,
    // The owner's security log shows it; `services` exists by the time a delivery can run.
    onWebhookDisabled: async (event) => {
      await services.securityEvents.record({
        userId: event.userId,
        type: 'webhook.disabled',
        detail: `${event.reason}: task ${event.taskId}, ${event.url}`,
      });
      await emails.webhookDisabled({ ...event, afterHours: config.webhooks.disableAfterHours });
      await deps.onWebhookDisabled?.(event);
    },
    opts: { ...config.webhooks, heldRecheckSeconds: config.engine.heldRecheckSeconds },
  });
  // With an engine, runs are always enqueued; this instance also executes them unless TORALE_RUNNER=0.
  const runner =
    jobs && config.engine.runner
      ? createRunner(
          db,
          jobs,
          new AgentClient(
            [config.engine.agentUrl, config.engine.agentUrlFallback].filter((u): u is string => !!u),
            config.engine.agentTimeoutMs,
          ),
          logger,
          config.engine,
          webhookAttempts,
          emails,
          runStats,
        )
      : undefined;
  // Automatic persisted queries: shared through Redis when configured, else in-process (Apollo's own).
  const apqCache = config.database.redisUrl ? new RedisKeyValueCache(config.database.redisUrl, logger) : undefined;

  const lifecycle: Lifecycle = { draining: false };
  const hub = new LiveHub(database, logger);
  /** Live connections open here (the live plugin keeps it). */
  const liveCount = { connections: 0 };
  const services = createServices(config, db, clerk, rateLimits, runs, hub, logger, webhookAttempts, emails);
  apiKeyVerifier.reportTo(services.securityEvents);
  const metrics = createMetrics({
    database,
    apiKeyVerifier,
    clerk,
    runner,
    jobs,
    live: { connections: () => liveCount.connections, subscriptions: () => hub.subscribers },
  });
  const authenticate = createAuthenticator(strategies);
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
      onRefused: (err) => metrics.authFailure(err),
    }).accountRequest,
    /** Refused credentials per address (signed hooks and live sockets count here too). */
    authFailures,
    /** Requests without credentials, per client address (in Redis when configured, so shared). */
    anonymousLimit,
    rateLimits,
    /** Per-caller budgets: REST requests and GraphQL points per window, expensive operations at once. */
    budgets,
    apqCache,
    jobs,
    runner,
    emails,
    hub,
    services,
    live: liveCount,
    metrics,
    /** Releases what the container opened (the database and engine belong to the caller). */
    async close(): Promise<void> {
      budgets.close();
      await budgets.sync();
      await rateLimits.close();
      apqCache?.close();
      mailer?.close();
    },
  };
}

export type Container = ReturnType<typeof createContainer>;
