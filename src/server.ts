// The gateway itself: config → database → migrations → job engine → container (features
// register their jobs) → app (the engine starts when it is ready) → listen, and a graceful
// shutdown on SIGTERM/SIGINT. main.ts imports this only once tracing (if any) is running,
// so that what it loads can be traced.
import 'reflect-metadata';
import { buildApp } from './app.js';
import { type Config, configWarnings } from './config/config.js';
import { createContainer } from './container.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { startDevAgent } from './dev-tools/dev-agent.js';
import { createJobEngine } from './engine/pg-boss-engine.js';
import { createLogger } from './lib/logger.js';
import { shutdownOnSignals } from './shutdown.js';
import type { Tracing } from './telemetry.js';
import { ensureDevUser } from './users/users.service.js';

export async function startGateway(configured: Config, tracing: Tracing | undefined): Promise<void> {
  // In development without an agent, runs go to the built-in development agent.
  const devAgent = configured.server.devTools && !configured.engine.agentUrl ? await startDevAgent() : undefined;
  const config: Config = devAgent
    ? Object.freeze({ ...configured, engine: Object.freeze({ ...configured.engine, agentUrl: devAgent.url }) })
    : configured;
  const { telemetry } = config;
  const logger = createLogger(telemetry.logLevel, telemetry.logFormat, { traceIds: tracing?.currentIds });
  for (const warning of configWarnings(configured)) logger.warn(warning);
  if (tracing)
    logger.info({ endpoint: telemetry.otelEndpoint, serviceName: telemetry.otelServiceName }, 'tracing to OTLP');
  const database = await openDatabase({ ...config.database, logger });
  const applied = await migrateToLatest(database.db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is current');
  if (config.auth.noAuth) await ensureDevUser(database.db, config.auth.noAuthEmail);
  const engine = createJobEngine(config, database, logger);
  const container = createContainer(config, { database, logger, traceIds: tracing?.currentIds, engine });
  const app = await buildApp(container);
  if (devAgent) app.addHook('onClose', () => devAgent.close());
  shutdownOnSignals(app, database, container.lifecycle, config.server, logger, tracing);
  await app.listen({ port: config.server.port, host: config.server.host });
}
