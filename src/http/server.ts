// How the HTTP server is set up: timeouts that cut off slow clients, request ids, proxy
// trust, connection handling while closing, and the body limit.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { type FastifyServerOptions, LogController } from 'fastify';
import type { Config } from '../config/config.js';
import type { Logger } from '../lib/logger.js';

export const BODY_LIMIT = 1024 * 1024;

export function serverOptions(config: Pick<Config['server'], 'requestTimeoutMs' | 'trustProxy'>, logger: Logger) {
  return {
    // Node checks request timeouts every connectionsCheckingInterval (30 s by default):
    // check often enough that a slow client is cut off close to REQUEST_TIMEOUT_MS.
    serverFactory: (handler: Parameters<typeof createServer>[1]) =>
      createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: config.requestTimeoutMs,
          connectionsCheckingInterval: Math.min(1000, Math.ceil(config.requestTimeoutMs / 4)),
          keepAliveTimeout: 72_000,
        },
        handler,
      ),
    loggerInstance: logger,
    // One access line per request is written by plugins/access-log.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Requests already on open connections when shutdown starts are served, not refused.
    return503OnClosing: false,
    // Trust X-Forwarded-For from exactly the configured number of proxy hops.
    ...(config.trustProxy > 0 && { trustProxy: (_addr: string, hop: number) => hop < config.trustProxy }),
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  } satisfies FastifyServerOptions & { loggerInstance: Logger };
}
