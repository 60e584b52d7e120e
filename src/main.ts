// Starts the gateway: config → database → migrations → dev user → listen, and shuts down
// gracefully on SIGTERM/SIGINT (stop accepting, finish in-flight requests, close the pool).
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { buildApp } from './app.js';
import { NOAUTH_CLERK_USER_ID } from './auth/authenticate.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger } from './lib/logger.js';
import { engineOptions, JobEngine, type RunsPort, unavailableRuns } from './runs/engine.js';
import { ensureDevUser } from './users/users.service.js';

async function main(): Promise<void> {
  // A local .env (see .env.example) fills in what the environment does not set.
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`torale-gateway: refusing to start.\n${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  if (!config.databaseUrl) {
    logger.warn({ dir: config.pgliteDir }, 'DATABASE_URL is not set: using embedded PGlite (development only)');
  }
  if (config.noAuth) {
    logger.warn({ email: config.noAuthEmail }, 'TORALE_NOAUTH=1: requests without credentials act as the dev user');
  }
  if (config.webhookAllowInsecureTargets) {
    logger.warn(
      'WEBHOOK_ALLOW_INSECURE_TARGETS=1: webhooks may target plain http and private addresses. LOCAL TESTING ONLY.',
    );
  }

  const database = await openDatabase({
    url: config.databaseUrl,
    pgliteDir: config.pgliteDir,
    poolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    logger,
  });
  const applied = await migrateToLatest(database.db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is current');
  if (config.noAuth) await ensureDevUser(database.db, NOAUTH_CLERK_USER_ID, config.noAuthEmail);

  // Runs: pg-boss on PostgreSQL. PGlite has no engine, so executions fail at once saying so.
  let jobs: JobEngine | undefined;
  let runs: RunsPort | undefined;
  if (!config.databaseUrl) {
    const reason =
      'Runs are disabled: embedded PGlite (no DATABASE_URL) has no job engine. Set DATABASE_URL to a PostgreSQL server to run tasks.';
    logger.warn(reason);
    runs = unavailableRuns(reason);
  } else {
    if (!config.runner) {
      logger.info('TORALE_RUNNER=0: this instance queues runs for other instances and does not execute them');
    }
    jobs = await JobEngine.start(engineOptions(config, config.databaseUrl), logger);
  }

  const app = await buildApp(config, { database, logger, jobs, runs });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    try {
      await app.close();
      await database.close();
      logger.info('stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  console.error('torale-gateway: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
