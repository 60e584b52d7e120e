// Graceful shutdown on SIGTERM/SIGINT: first drain (readiness fails and responses close
// their connections, while new connections are still served), then stop accepting, finish
// in-flight requests, stop the job engine (app.close), close the pool and flush buffered
// trace spans; exit 1 if that takes longer than allowed.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/config.js';
import type { Lifecycle } from './container.js';
import type { Database } from './db/database.js';
import type { Logger } from './lib/logger.js';
import type { Tracing } from './telemetry.js';

export function shutdownOnSignals(
  app: FastifyInstance,
  database: Database,
  lifecycle: Lifecycle,
  config: Pick<Config['server'], 'shutdownDrainMs' | 'shutdownTimeoutMs'>,
  logger: Logger,
  tracing?: Pick<Tracing, 'shutdown'>,
): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, drainMs: config.shutdownDrainMs }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownDrainMs + config.shutdownTimeoutMs);
    force.unref();
    try {
      lifecycle.draining = true;
      if (config.shutdownDrainMs > 0) await sleep(config.shutdownDrainMs);
      await app.close();
      await database.close();
      // The last requests' spans are still buffered: export them before exiting.
      await tracing?.shutdown().catch((err) => logger.warn({ err }, 'could not flush traces'));
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
