// The gateway itself: config → database → migrations → job engine → container (features
// register their jobs) → app (the engine starts when it is ready) → listen, and a graceful
// shutdown on SIGTERM/SIGINT. main.ts imports this only once tracing (if any) is running,
// so that what it loads can be traced.
import 'reflect-metadata';
import { buildApp } from './app.js';
import { type Config, configWarnings } from './config.js';
import { createContainer } from './container.js';
import { databaseOptions, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createJobEngine } from './engine/pg-boss-engine.js';
import { createLogger } from './lib/logger.js';
import { shutdownOnSignals } from './shutdown.js';
import type { Tracing } from './telemetry.js';
import { ensureDevUser } from './users/users.service.js';

export async function startGateway(config: Config, tracing: Tracing | undefined): Promise<void> {
  const logger = createLogger(config.logLevel, config.logFormat, { traceIds: tracing?.currentIds });
  for (const warning of configWarnings(config)) logger.warn(warning);
  if (tracing) logger.info({ endpoint: config.otelEndpoint, serviceName: config.otelServiceName }, 'tracing to OTLP');
  const database = await openDatabase(databaseOptions(config, logger));
  const applied = await migrateToLatest(database.db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is current');
  if (config.noAuth) await ensureDevUser(database.db, config.noAuthEmail);
  const engine = createJobEngine(config, logger);
  const container = createContainer(config, { database, logger, traceIds: tracing?.currentIds, engine });
  const app = await buildApp(container);
  shutdownOnSignals(app, database, container.lifecycle, config, logger, tracing);
  await app.listen({ port: config.port, host: config.host });
}
