// Graceful shutdown on SIGTERM/SIGINT: stop accepting, finish in-flight requests, stop the
// job engine (app.close), close the pool; exit 1 if that takes longer than allowed.
import type { FastifyInstance } from 'fastify';
import type { Database } from './db/database.js';
import type { Logger } from './lib/logger.js';

export function shutdownOnSignals(app: FastifyInstance, database: Database, timeoutMs: number, logger: Logger): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
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
}
