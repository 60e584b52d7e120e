// The only reader of process.env. Every setting is parsed and validated here, and
// every problem is reported at once so an operator fixes the deployment in one go.
import { existsSync } from 'node:fs';
import { type Env, envReaders } from './config-readers.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'json' | 'pretty';

export interface Config {
  readonly nodeEnv: string | undefined;
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  /** undefined = embedded PGlite (dev only) */
  readonly databaseUrl: string | undefined;
  readonly pgliteDir: string;
  readonly databasePoolSize: number;
  readonly databaseConnectTimeoutMs: number;
  readonly databaseStatementTimeoutMs: number;
  readonly clerkSecretKey: string | undefined;
  readonly clerkApiUrl: string;
  readonly clerkJwtKey: string | undefined;
  readonly clerkAuthorizedParties: readonly string[];
  readonly noAuth: boolean;
  readonly noAuthEmail: string;
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
  /** json: one object per line (production); pretty: coloured lines for a terminal (npm run dev). */
  readonly logFormat: LogFormat;
  /** Set = trace every request over OTLP/HTTP to this collector; unset = OpenTelemetry is never loaded. */
  readonly otelEndpoint: string | undefined;
  readonly otelServiceName: string;
  readonly redisUrl: string | undefined;
  readonly agentUrl: string | undefined;
  readonly agentUrlFallback: string | undefined;
  readonly agentTimeoutMs: number;
  readonly webhookAllowInsecureTargets: boolean;
  /** How often runs and webhooks held for a disabled owner are looked at again. */
  readonly heldRecheckSeconds: number;
  /** Ports the default webhook's test ping may call (WEBHOOK_ALLOW_INSECURE_TARGETS=1 allows any). */
  readonly webhookTestPorts: readonly number[];
  /** One deadline per webhook attempt: connect, request, answer headers and body. */
  readonly webhookTimeoutMs: number;
  /** Webhook attempts in flight at once on this instance (one delivery worker each). */
  readonly webhookDeliveryConcurrency: number;
  /** Delay before each attempt of a delivery, in seconds (its length is the number of attempts). */
  readonly webhookRetryScheduleSeconds: readonly number[];
  /** A webhook whose every attempt failed this long is disabled. */
  readonly webhookDisableAfterHours: number;
  /** After a rotation, how long the previous secret keeps signing beside the new one. */
  readonly webhookSecretOverlapHours: number;
  /** 0 = this instance queues runs but does not execute them (API-only instances). */
  readonly runner: boolean;
  readonly defaultCheckIntervalSeconds: number;
  /** Tasks one user may have in all (any state). */
  readonly maxTasksPerUser: number;
  readonly runMaxAttempts: number;
  /** Executions one instance keeps in flight (they mostly wait for the agent). */
  readonly runConcurrency: number;
  /** Due tasks started per dispatch transaction. */
  readonly dispatchBatchSize: number;
  readonly runRetryDelaySeconds: number;
  readonly jobsPollSeconds: number;
  readonly jobsMaintenanceSeconds: number;
  /** A claimed execution whose worker went silent this long past the agent timeout is re-run elsewhere. */
  readonly runExpireSlackSeconds: number;
  readonly introspection: boolean;
  readonly apiKeyBcryptCost: number;
  readonly apiKeyCreateLimitPerMinute: number;
  readonly authFailureLimitPerMinute: number;
  /** Requests without credentials per client address per minute (shared through Redis when configured). */
  readonly anonymousLimitPerMinute: number;
  readonly shutdownTimeoutMs: number;
  /** Live updates: connections one user may hold on one instance, subscriptions per connection. */
  readonly liveConnectionsPerUser: number;
  readonly liveSubscriptionsPerConnection: number;
  /** A WebSocket must send connection_init within this time (else closed 4408). */
  readonly liveInitTimeoutMs: number;
  /** Ping interval of live sockets; one unanswered ping ends the socket. */
  readonly liveKeepAliveMs: number;
  /** How long a stopping instance keeps serving (readiness already failing) before it closes its listener. */
  readonly shutdownDrainMs: number;
  /** How long a client may take to send a whole request (slow clients are cut off). */
  readonly requestTimeoutMs: number;
  /** Hops of trusted proxies in front (X-Forwarded-For), 0 = none. */
  readonly trustProxy: number;
  /** Benchmark baseline B3 only: verify API keys with bcrypt on every request. Refused in production. */
  readonly benchBcryptEveryRequest: boolean;
  /** GitHub's public keys for secret-scanning alerts (POST /auth/secret-scanning/github). */
  readonly secretScanningKeysUrl: string;
  /** Secret-scanning alerts are answered by then with the tokens decided; the rest are revoked in the background. */
  readonly secretScanningAnswerWithinMs: number;
  /** Svix signing secret of Clerk's user webhooks (`whsec_…`); unset = /webhooks/clerk answers 503. */
  readonly clerkWebhookSigningSecret: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const NODE_ENVS: readonly string[] = ['development', 'test', 'production'];
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** The configuration, or exit 1 with every problem listed (a local .env fills in what the environment does not set). */
export function loadConfigOrExit(): Config {
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    return loadConfig();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`torale-gateway: refusing to start.\n${e.message}`);
    process.exit(1);
  }
}

/** What an operator should hear about at startup: settings that are fine locally and wrong in production. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (!config.databaseUrl) {
    warnings.push(`DATABASE_URL is not set: using embedded PGlite in ${config.pgliteDir} (development only)`);
    warnings.push(
      'Runs are disabled: embedded PGlite (no DATABASE_URL) has no job engine. Set DATABASE_URL to a PostgreSQL server to run tasks.',
    );
  } else if (!config.runner) {
    warnings.push('TORALE_RUNNER=0: this instance queues runs for other instances and does not execute them');
  }
  if (config.noAuth)
    warnings.push(`TORALE_NOAUTH=1: requests without credentials act as the dev user (${config.noAuthEmail})`);
  if (config.webhookAllowInsecureTargets) {
    warnings.push(
      'WEBHOOK_ALLOW_INSECURE_TARGETS=1: webhooks may target plain http and private addresses. LOCAL TESTING ONLY.',
    );
  }
  return warnings;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const { str, int, bool, url, hours, schedule, list, ports } = envReaders(env, problems);

  const nodeEnv = str('NODE_ENV');
  // A near miss such as "prod" must not quietly run with development defaults (no-auth, introspection).
  if (nodeEnv !== undefined && !NODE_ENVS.includes(nodeEnv)) {
    problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')} or unset (got "${nodeEnv}")`);
  }
  const isProduction = nodeEnv === 'production';
  const host = str('HOST') ?? '127.0.0.1';
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const noAuth = bool('TORALE_NOAUTH');
  const clerkSecretKey = str('CLERK_SECRET_KEY');
  const clerkJwtKey = str('CLERK_JWT_KEY')?.replace(/\\n/g, '\n');
  const logLevel = (str('LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  const benchBcryptEveryRequest = bool('TORALE_BENCH_BCRYPT_EVERY_REQUEST');

  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (str('LOG_FORMAT') ?? 'json').toLowerCase() as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}`);
  if (clerkJwtKey && !clerkJwtKey.includes('BEGIN PUBLIC KEY')) {
    problems.push('CLERK_JWT_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----)');
  }
  if (isProduction) {
    if (!databaseUrl)
      problems.push('DATABASE_URL is required when NODE_ENV=production (embedded PGlite is for development only)');
    if (!clerkSecretKey && !clerkJwtKey) {
      problems.push('CLERK_SECRET_KEY or CLERK_JWT_KEY is required when NODE_ENV=production');
    }
  }
  if (noAuth && isProduction) problems.push('TORALE_NOAUTH=1 is refused when NODE_ENV=production');
  if (noAuth && !isLoopbackHost(host)) {
    problems.push(`TORALE_NOAUTH=1 is refused unless HOST is a loopback address (got HOST=${host})`);
  }
  if (benchBcryptEveryRequest && isProduction) {
    problems.push('TORALE_BENCH_BCRYPT_EVERY_REQUEST is a benchmark switch and is refused when NODE_ENV=production');
  }
  const corsOrigins = list('CORS_ORIGINS');
  for (const origin of corsOrigins) {
    try {
      const u = new URL(origin);
      if (u.origin !== origin)
        problems.push(`CORS_ORIGINS entry "${origin}" must be a bare origin like https://app.example.com`);
    } catch {
      problems.push(`CORS_ORIGINS entry "${origin}" is not a valid origin`);
    }
  }

  const introspectionRaw = str('GRAPHQL_INTROSPECTION');
  const config: Config = {
    nodeEnv,
    isProduction,
    port: int('PORT', 8000, 0, 65535),
    host,
    databaseUrl,
    pgliteDir: str('PGLITE_DIR') ?? '.data/pglite',
    databasePoolSize: int('DATABASE_POOL_SIZE', 10, 1, 200),
    databaseConnectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 5000, 100, 120000),
    databaseStatementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 15000, 100, 600000),
    clerkSecretKey,
    clerkApiUrl: url('CLERK_API_URL', ['https:', 'http:']) ?? 'https://api.clerk.com',
    clerkJwtKey,
    clerkAuthorizedParties: list('CLERK_AUTHORIZED_PARTIES'),
    noAuth,
    noAuthEmail: str('TORALE_NOAUTH_EMAIL') ?? 'test@example.com',
    corsOrigins,
    logLevel,
    logFormat,
    otelEndpoint: url('OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']),
    otelServiceName: str('OTEL_SERVICE_NAME') ?? 'torale-gateway',
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    agentUrl: url('TORALE_AGENT_URL', ['http:', 'https:']),
    agentUrlFallback: url('TORALE_AGENT_URL_FALLBACK', ['http:', 'https:']),
    agentTimeoutMs: int('TORALE_AGENT_TIMEOUT_MS', 240000, 1000, 3600000),
    webhookAllowInsecureTargets: bool('WEBHOOK_ALLOW_INSECURE_TARGETS'),
    heldRecheckSeconds: int('TORALE_HELD_RECHECK_SECONDS', 60, 1, 86400),
    // At most 30 s: a delivery job expires after 60 s (webhooks/webhooks.jobs.ts) and would then be
    // attempted again by another instance while the first attempt still runs.
    webhookTimeoutMs: int('WEBHOOK_TIMEOUT_MS', 10000, 100, 30000),
    // A test ping to any port of any public host would be a port scanner with a report.
    webhookTestPorts: ports('WEBHOOK_TEST_PORTS', [443, 80]),
    webhookDeliveryConcurrency: int('WEBHOOK_DELIVERY_CONCURRENCY', 16, 1, 50),
    // Like Svix: at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    webhookRetryScheduleSeconds: schedule(
      'WEBHOOK_RETRY_SCHEDULE_SECONDS',
      [0, 5, 300, 1800, 7200, 18000, 36000, 36000],
    ),
    webhookDisableAfterHours: hours('WEBHOOK_DISABLE_AFTER_HOURS', 120),
    webhookSecretOverlapHours: hours('WEBHOOK_SECRET_OVERLAP_HOURS', 24),
    runner: str('TORALE_RUNNER') === undefined ? true : bool('TORALE_RUNNER'),
    defaultCheckIntervalSeconds: int('TORALE_DEFAULT_CHECK_INTERVAL_SECONDS', 3600, 1, 30 * 86400),
    maxTasksPerUser: int('MAX_TASKS_PER_USER', 1000, 1, 1_000_000),
    runMaxAttempts: int('TORALE_RUN_MAX_ATTEMPTS', 4, 1, 20),
    runConcurrency: int('TORALE_RUN_CONCURRENCY', 50, 1, 2000),
    dispatchBatchSize: int('TORALE_DISPATCH_BATCH', 200, 1, 5000),
    runRetryDelaySeconds: int('TORALE_RUN_RETRY_DELAY_SECONDS', 10, 1, 3600),
    jobsPollSeconds: int('TORALE_JOBS_POLL_SECONDS', 2, 1, 60),
    jobsMaintenanceSeconds: int('TORALE_JOBS_MAINTENANCE_SECONDS', 60, 1, 3600),
    runExpireSlackSeconds: int('TORALE_RUN_EXPIRE_SLACK_SECONDS', 30, 1, 3600),
    introspection: introspectionRaw === undefined ? !isProduction : bool('GRAPHQL_INTROSPECTION'),
    apiKeyBcryptCost: int('API_KEY_BCRYPT_COST', 10, 4, 15),
    apiKeyCreateLimitPerMinute: int('API_KEY_CREATE_LIMIT_PER_MINUTE', 3, 1, 10000),
    authFailureLimitPerMinute: int('AUTH_FAILURE_LIMIT_PER_MINUTE', 100, 1, 1_000_000),
    anonymousLimitPerMinute: int('ANONYMOUS_LIMIT_PER_MINUTE', 300, 1, 1_000_000),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', 10000, 0, 300000),
    liveConnectionsPerUser: int('LIVE_CONNECTIONS_PER_USER', 20, 1, 10000),
    liveSubscriptionsPerConnection: int('LIVE_SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 1000),
    liveInitTimeoutMs: int('LIVE_INIT_TIMEOUT_MS', 5000, 100, 60000),
    liveKeepAliveMs: int('LIVE_KEEPALIVE_MS', 12000, 1000, 300000),
    // Behind a load balancer, readiness must fail long enough for it to stop sending here.
    shutdownDrainMs: int('SHUTDOWN_DRAIN_MS', isProduction ? 5000 : 0, 0, 120000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30000, 500, 600000),
    trustProxy: int('TRUST_PROXY', 0, 0, 10),
    benchBcryptEveryRequest,
    secretScanningKeysUrl:
      url('SECRET_SCANNING_KEYS_URL', ['https:', 'http:']) ?? 'https://api.github.com/meta/public_keys/secret_scanning',
    secretScanningAnswerWithinMs: int('SECRET_SCANNING_ANSWER_WITHIN_MS', 5000, 10, 60000),
    clerkWebhookSigningSecret: str('CLERK_WEBHOOK_SIGNING_SECRET'),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
