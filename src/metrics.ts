// Prometheus metrics (prom-client), one registry per container so several gateways in one
// process (tests) do not collide. Counters kept elsewhere (pool, bcrypt, Clerk, runs) are
// read at scrape time; request counters are fed by the plugins.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiKeyVerifier } from './auth/api-key-verifier.js';
import type { ClerkAuth } from './auth/clerk.js';
import type { Database } from './db/database.js';
import type { JobEngine } from './engine/job-engine.js';
import { isAppError } from './errors.js';
import type { Runs } from './runs/runs.jobs.js';
import type { WebhookDeliveries } from './webhooks/webhooks.jobs.js';

export interface MetricSources {
  /** Live updates: the connections open here (the live plugin keeps the count) and the hub's subscribers. */
  live: { count: { readonly connections: number }; hub: { readonly subscribers: number } };
  database: Database;
  apiKeyVerifier: ApiKeyVerifier;
  clerk: ClerkAuth;
  engine: JobEngine;
  runs: Pick<Runs, 'stats' | 'observers' | 'dispatcher'>;
  webhookDeliveries: Pick<WebhookDeliveries, 'stats'>;
  /** The public response cache, when on (cache/public-cache.ts). */
  publicCache?: { readonly stats: { readonly hits: number; readonly misses: number } } | undefined;
}

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(src: MetricSources) {
  const registry = new Registry();
  // Process memory, CPU, event-loop lag and GC (prom-client's standard set).
  collectDefaultMetrics({ register: registry, prefix: 'torale_' });
  for (const [name, read] of [
    ['torale_live_connections', () => src.live.count.connections],
    ['torale_live_subscriptions', () => src.live.hub.subscribers],
  ] as const) {
    new Gauge({
      name,
      help: `Live updates held on this instance: ${name.split('_').pop()}`,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  }
  const requests = new Counter({
    name: 'torale_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'torale_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const graphqlOps = new Counter({
    name: 'torale_graphql_operations_total',
    help: 'GraphQL operations by name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const untrusted = new Counter({
    name: 'torale_graphql_untrusted_documents_total',
    help: 'GraphQL documents not in a trusted-documents manifest, by what was done (logged, refused, allowed for a free-form caller)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const seenOperations = new Set<string>();
  const authFailures = new Counter({
    name: 'torale_auth_failures_total',
    help: 'Refused credentials by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const fromStats = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  /** GraphQL operations that reached execution (tests assert rejected ones never do). */
  const counts = { graphqlExecutions: 0 };
  fromStats(
    'torale_graphql_executions_total',
    'GraphQL operations that reached execution',
    () => counts.graphqlExecutions,
  );
  const pc = src.publicCache?.stats;
  if (pc) {
    fromStats(
      'torale_public_cache_hits_total',
      'anonymous GraphQL queries answered from the public cache',
      () => pc.hits,
    );
    fromStats(
      'torale_public_cache_misses_total',
      'anonymous GraphQL queries the public cache did not answer',
      () => pc.misses,
    );
  }
  fromStats('torale_db_queries_total', 'SQL statements sent', () => src.database.stats.queries);
  const keys = src.apiKeyVerifier.stats;
  fromStats('torale_apikey_bcrypt_verifications_total', 'bcrypt comparisons run', () => keys.bcryptCompares);
  fromStats(
    'torale_apikey_cache_hits_total',
    'API-key requests answered from the verified-key cache',
    () => keys.verifiedCacheHits,
  );
  const clerk = src.clerk.stats;
  fromStats('torale_clerk_token_verifications_total', 'Clerk JWTs verified', () => clerk.tokenVerifications);
  fromStats(
    'torale_clerk_token_cache_hits_total',
    'Clerk JWTs answered from the verified-token cache',
    () => clerk.verifiedTokenCacheHits,
  );
  fromStats('torale_clerk_user_lookups_total', 'Clerk Backend API user look-ups', () => clerk.userLookups);
  for (const key of ['total', 'idle', 'waiting'] as const) {
    new Gauge({
      name: `torale_db_pool_${key}`,
      help: `Database pool connections: ${key}`,
      registers: [registry],
      collect() {
        this.set(src.database.poolState()[key]);
      },
    });
  }
  new Gauge({
    name: 'torale_apikey_bcrypt_queue',
    help: 'bcrypt comparisons waiting for a slot',
    registers: [registry],
    collect() {
      this.set(src.apiKeyVerifier.bcryptQueue.queued);
    },
  });

  // The background work's counters, on instances that work jobs.
  const { engine, runs, webhookDeliveries } = src;
  if (engine.working) {
    new Counter({
      name: 'torale_runs_total',
      help: 'Execution attempts by outcome (success, retrying, failed, superseded)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [outcome, n] of Object.entries(runs.stats.outcomes)) this.inc({ outcome }, n);
      },
    });
    const agentLatency = new Histogram({
      name: 'torale_agent_latency_seconds',
      help: 'Monitoring agent call duration, polling included',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 240],
      registers: [registry],
    });
    runs.observers.agentLatency = (s) => agentLatency.observe(s);
    fromStats('torale_webhook_attempts_total', 'Webhook delivery attempts', () => webhookDeliveries.stats.attempts);
    fromStats('torale_dispatch_started_total', 'Runs started by the dispatcher', () => runs.dispatcher.stats.started);
    fromStats(
      'torale_tasks_forgotten_scheduled_total',
      'Active tasks found with no schedule and no live run, and scheduled by this instance',
      () => runs.stats.forgottenScheduled,
    );
    new Gauge({
      name: 'torale_jobs_in_flight',
      help: 'Jobs being worked on this instance, by queue',
      labelNames: ['queue'] as const,
      registers: [registry],
      collect() {
        for (const [queue, n] of Object.entries(engine.inFlight())) this.set({ queue }, n);
      },
    });
  }

  // Labelled children looked up once per label set, not rebuilt on every request.
  const children = new Map<string, { count: () => void; observe: (s: number) => void }>();
  return {
    registry,
    counts,
    request(route: string, method: string, status: number, seconds: number) {
      const id = `${method} ${status} ${route}`;
      let child = children.get(id);
      if (!child) {
        const counter = requests.labels(route, method, String(status));
        const histogram = latency.labels(route, method);
        child = { count: () => counter.inc(), observe: (s) => histogram.observe(s) };
        children.set(id, child);
      }
      child.count();
      child.observe(seconds);
    },
    authFailure(error: unknown) {
      authFailures.inc({ reason: isAppError(error) && typeof error.detail === 'string' ? error.detail : 'error' });
    },
    untrustedDocument(outcome: 'logged' | 'refused' | 'allowed') {
      untrusted.inc({ outcome });
    },
    graphqlOperation(operation: string | null | undefined, outcome: 'ok' | 'error') {
      // Operation names come from clients: keep the label set bounded.
      let name = operation && /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(operation) ? operation : 'anonymous';
      if (!seenOperations.has(name)) {
        if (seenOperations.size >= 200) name = 'other';
        else seenOperations.add(name);
      }
      graphqlOps.inc({ operation: name, outcome });
    },
  };
}
