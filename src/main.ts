// Starts the gateway: config → database → migrations → job engine → container → app →
// listen, and shuts down gracefully on SIGTERM/SIGINT.
import 'reflect-metadata';
import { buildApp } from './app.js';
import { configWarnings, loadConfigOrExit } from './config.js';
import { createContainer } from './container.js';
import { databaseOptions, openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { createLogger } from './lib/logger.js';
import { startJobs } from './runs/engine.js';
import { shutdownOnSignals } from './shutdown.js';
import { ensureDevUser } from './users/users.service.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  for (const warning of configWarnings(config)) logger.warn(warning);
  const database = await openDatabase(databaseOptions(config, logger));
  const applied = await migrateToLatest(database.db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema is current');
  if (config.noAuth) await ensureDevUser(database.db, config.noAuthEmail);
  const jobs = await startJobs(config, logger);
  const container = createContainer(config, { database, logger, ...jobs });
  const app = await buildApp(container);
  shutdownOnSignals(app, database, container.lifecycle, config, logger);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  console.error('torale-gateway: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
