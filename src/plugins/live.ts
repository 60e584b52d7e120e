// Live updates (CONTRACT.md "Live updates"): GraphQL subscriptions over WebSocket at
// /graphql (graphql-transport-ws, on the same server and port) and over SSE at
// /graphql/stream (graphql-sse, distinct connections). Both authenticate with the same
// strategies as every request, get the same operation limits, and end when their
// credentials stop working or the server shuts down (1001).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import fp from 'fastify-plugin';
import { GraphQLError } from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/fastify';
import { WebSocketServer } from 'ws';
import type { AuthRequest } from '../auth/authenticator.js';
import type { Viewer } from '../auth/viewer.js';
import type { Container } from '../container.js';
import { Errors, isAppError } from '../errors.js';
import { type GraphQLContext, graphqlContext } from '../graphql/context.js';
import { subscriptionPreparer } from '../graphql/operation.js';
import { clientAddress } from '../http/client-address.js';
import { CLOSE, type LiveConnection, LiveConnections } from '../live/connections.js';
import { type SocketExtra as BaseExtra, serveGraphQLWs } from '../live/ws-server.js';
import { gatewaySchema, resolverContainer } from './resolvers.js';

/** The `authorization` entry of a connection_init payload, whatever its letter case. */
export function authorizationOf(params: Record<string, unknown> | undefined | null): unknown {
  if (!params || typeof params !== 'object') return undefined;
  if ('authorization' in params) return params.authorization;
  const key = Object.keys(params).find((k) => k.toLowerCase() === 'authorization');
  return key === undefined ? undefined : params[key];
}

/** Largest message a client may send on the socket (a subscription document and variables). */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface SocketExtra extends BaseExtra {
  conn?: LiveConnection;
  release?: () => void;
}

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { config, hub, lifecycle } = container;
    const schema = await gatewaySchema();
    const resolvers = resolverContainer(container.services);
    const prepare = subscriptionPreparer(schema);
    const connections = new LiveConnections(container.live, container.authenticate, config.live, container.logger);

    // --- WebSocket ------------------------------------------------------------------------
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql' || lifecycle.draining) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    };
    app.server.on('upgrade', onUpgrade);

    const disposeWs = serveGraphQLWs<SocketExtra>(
      {
        schema,
        connectionInitWaitTimeout: config.live.initTimeoutMs,
        async onConnect(ctx) {
          const req = ctx.extra.request;
          // Clients send what they would send as an HTTP header: `Authorization` in any letter case.
          const given = authorizationOf(ctx.connectionParams);
          const request: AuthRequest = {
            headers: { ...req.headers, authorization: typeof given === 'string' ? given : req.headers.authorization },
            ip: clientAddress(req, config.server.trustProxy),
            // A WebSocket is not held to CORS: its Origin is judged as a state-changing request's.
            method: 'POST',
          };
          const close = (code: number, reason: string) => ctx.extra.socket.close(code, reason.slice(0, 120));
          let viewer: Viewer;
          try {
            viewer = await container.accountRequest(request, 'websocket');
          } catch (err) {
            const status = isAppError(err) ? err.status : 500;
            const reason = isAppError(err) && typeof err.detail === 'string' ? err.detail : 'Authentication failed';
            close(
              status === 401
                ? CLOSE.unauthorized
                : status === 403
                  ? CLOSE.forbidden
                  : status === 429
                    ? CLOSE.tooMany
                    : 1013,
              reason,
            );
            return false;
          }
          if (viewer.kind === 'anonymous') {
            close(CLOSE.unauthorized, Errors.authorizationMissing().message);
            return false;
          }
          const conn = { viewer, request, subscriptions: 0, close };
          const release = connections.add(conn);
          if (!release) return false;
          ctx.extra.conn = conn;
          ctx.extra.release = release;
          return true;
        },
        onSubscribe(ctx, _id, payload) {
          const conn = ctx.extra.conn;
          if (!conn || !connections.allowSubscription(conn)) return [new GraphQLError('Too many subscriptions')];
          const prepared = prepare(payload);
          if (Array.isArray(prepared)) return prepared;
          const op = prepared as Exclude<typeof prepared, readonly unknown[]>;
          conn.subscriptions++;
          return {
            schema,
            document: op.document,
            variableValues: op.variables,
            operationName: op.operationName,
            contextValue: graphqlContext(resolvers, conn.viewer, conn.request),
          };
        },
        onComplete(ctx) {
          if (ctx.extra.conn) ctx.extra.conn.subscriptions = Math.max(0, ctx.extra.conn.subscriptions - 1);
        },
        onClose(ctx) {
          ctx.extra.release?.();
        },
      },
      wss,
      config.live.keepAliveMs,
      container.logger,
    );

    // --- SSE ------------------------------------------------------------------------------
    const sse = createHandler<GraphQLContext & Record<PropertyKey, unknown>>({
      schema,
      context: (req) =>
        graphqlContext(resolvers, req.raw.viewer, req.raw) as GraphQLContext & Record<PropertyKey, unknown>,
      onSubscribe: (_req, params) => {
        const prepared = prepare(params);
        if (Array.isArray(prepared))
          return [null, { status: 400, statusText: prepared[0]?.message ?? 'Bad request' }] as never;
        return undefined;
      },
    });
    app.route({
      url: '/graphql/stream',
      method: ['GET', 'POST'],
      schema: { hide: true } as object,
      handler: async (request, reply) => {
        if (request.viewer.kind === 'anonymous') throw Errors.authorizationMissing();
        const conn: LiveConnection = {
          viewer: request.viewer,
          request: { headers: request.headers, ip: request.ip, method: request.method },
          subscriptions: 1,
          close: () => reply.raw.end(),
        };
        const release = connections.add(conn);
        if (!release) throw Errors.tooManyRequests(5);
        const openedAt = Date.now();
        request.log.info({ live: 'sse', event: 'open', url: '/graphql/stream' }, 'live stream opened');
        reply.raw.on('close', () => {
          release();
          request.log.info(
            { live: 'sse', event: 'close', url: '/graphql/stream', ms: Date.now() - openedAt },
            'live stream closed',
          );
        });
        await sse(request, reply);
      },
    });

    app.addHook('onReady', async () => {
      await hub.start();
    });
    const unwatch = connections.watch(hub);
    // Clients leave for another instance as soon as this one starts draining.
    app.addHook('preClose', async () => {
      connections.closeAll();
    });
    app.addHook('onClose', async () => {
      unwatch();
      app.server.off('upgrade', onUpgrade);
      await disposeWs.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await hub.stop();
    });
  },
  { name: 'torale-live', dependencies: ['torale-auth', 'torale-errors'] },
);
