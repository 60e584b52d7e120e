// `npm run migrate`: apply pending migrations to DATABASE_URL (or the dev PGlite store).
import { loadConfig } from '../config/config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createLogger } from '../lib/logger.js';

const config = loadConfig();
const logger = createLogger(config.telemetry.logLevel);
const database = await openDatabase({ ...config.database, logger });
try {
  const applied = await migrateToLatest(database.db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema is current');
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
} finally {
  await database.close();
}
