// How the HTTP server is set up: timeouts that cut off slow clients, request ids, proxy
// trust, connection handling while closing, and the body limit.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import {
  type FastifyError,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import type { Config } from '../config/config.js';
import { Errors } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { trustHops } from './client-address.js';
import { httpErrorOf, sendError } from './error-handler.js';

export const BODY_LIMIT = 1024 * 1024;

export const BAD_URL = 'Invalid URL: malformed percent-encoding';

/** An x-request-id the gateway takes as sent. */
export const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

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
    // A caller's x-request-id is honoured only when it is a plausible id (so a log line
    // cannot be 8 KB long or pose as another request's); else the request gets its own.
    // plugins/access-log writes what the caller sent beside it.
    requestIdHeader: false,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const sent = req.headers['x-request-id'];
      return typeof sent === 'string' && REQUEST_ID_RE.test(sent) ? sent : randomUUID();
    },
    // Requests already on open connections when shutdown starts are served, not refused.
    return503OnClosing: false,
    // Trust X-Forwarded-For from exactly the configured number of proxy hops.
    ...(config.trustProxy > 0 && { trustProxy: trustHops(config.trustProxy) }),
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Errors found before routing (a path with bad percent-encoding) answer like any other 400.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const err = error.code === 'FST_ERR_BAD_URL' ? Errors.badRequest(BAD_URL) : httpErrorOf(error, request);
      sendError(request, reply, err);
    },
  } satisfies FastifyServerOptions & { loggerInstance: Logger };
}
