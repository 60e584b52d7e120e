// Live updates (CONTRACT.md "Live updates"): GraphQL subscriptions over WebSocket at
// /graphql (graphql-transport-ws, on the same server and port) and over SSE at
// /graphql/stream (graphql-sse, distinct connections) and over multipart HTTP on POST /graphql
// (live/multipart.ts). Both authenticate with the same
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
import { resolveDocumentId } from '../graphql/trusted-documents.js';
import { clientAddress } from '../http/client-address.js';
import { LiveAdmission, refusalResponse } from '../live/admission.js';
import { CLOSE, type LiveConnection, LiveConnections } from '../live/connections.js';
import { acceptsMultipart, serveMultipart, wantsMultipart } from '../live/multipart.js';
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
/**
 * Sockets awaiting connection_init: in all, and from one address (an office behind one NAT
 * opening many tabs at once stays well under it; 8,000 idle sockets from one address do not).
 */
export const LIVE_PENDING_TOTAL = 5000;
export const LIVE_PENDING_PER_ADDRESS = 200;

interface SocketExtra extends BaseExtra {
  conn?: LiveConnection;
  release?: () => void;
}

export default fp<{ container: Container }>(
  async (app, { container }) => {
    const { config, hub, lifecycle } = container;
    const schema = await gatewaySchema();
    const resolvers = resolverContainer(container.services);
    const prepare = subscriptionPreparer(schema, container.trustedDocuments);
    const connections = new LiveConnections(container.live, container.authenticate, config.live, container.logger);

    // --- WebSocket ------------------------------------------------------------------------
    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    const admission = new LiveAdmission(container.anonymousLimit, {
      pendingTotal: LIVE_PENDING_TOTAL,
      pendingPerAddress: LIVE_PENDING_PER_ADDRESS,
    });
    const settle = new WeakMap<IncomingMessage, () => void>();
    const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql' || lifecycle.draining) {
        socket.destroy();
        return;
      }
      socket.on('error', () => socket.destroy());
      const { refused, settled } = await admission.upgrade(
        clientAddress(req, config.server.trustProxy),
        !!req.headers.authorization,
      );
      if (refused) {
        socket.end(refusalResponse(refused));
        return;
      }
      if (socket.destroyed) return settled();
      settle.set(req, settled);
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.once('close', settled);
        wss.emit('connection', ws, req);
      });
    };
    const upgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head);
    app.server.on('upgrade', upgradeListener);

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
            // An upgrade without credentials already spent the address's anonymous request.
            anonymousCounted: !req.headers.authorization,
          };
          const close = (code: number, reason: string) => ctx.extra.socket.close(code, reason.slice(0, 120));
          // Init is over, however it ends: the socket no longer counts as awaiting it.
          settle.get(req)?.();
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
          const prepared = prepare(payload, conn.viewer);
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
      onSubscribe: (req, params) => {
        const prepared = prepare(params, req.raw.viewer);
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
        if (lifecycle.draining) throw Errors.serviceBusy();
        let open = false;
        const conn: LiveConnection = {
          viewer: request.viewer,
          request: { headers: request.headers, ip: request.ip, method: request.method },
          subscriptions: 1,
          // Refused before it opened: the answer is the 429 below, not an empty 200.
          close: () => open && reply.raw.end(),
        };
        const release = connections.add(conn);
        if (!release) throw Errors.tooManyRequests(5);
        open = true;
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

    // --- multipart HTTP: POST /graphql with Accept: multipart/mixed;subscriptionSpec=1.0 -----
    const multipart = {
      schema,
      resolvers,
      prepare,
      connections,
      keepAliveMs: config.live.keepAliveMs,
      draining: () => lifecycle.draining,
    };
    app.addHook('preHandler', async (request, reply) => {
      if (request.method !== 'POST' || request.routeOptions.url !== '/graphql') return;
      if (!acceptsMultipart(request.headers.accept)) return;
      // A subscription sent by persisted id only (Apollo Client's persisted-query link, TRUSTED_DOCUMENTS):
      // its text from the manifest first, as /graphql does for queries; an unknown id in require mode is refused here.
      resolveDocumentId(container.trustedDocuments, request.body, request.viewer);
      if (!wantsMultipart(request.headers.accept, request.body)) return;
      const { viewer, headers, ip, method, body } = request;
      const answer = await serveMultipart(
        multipart,
        { viewer, headers, ip, method, body },
        reply.raw,
        reply.getHeaders(),
      );
      if (answer) return reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
      reply.hijack();
      return reply;
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
      app.server.off('upgrade', upgradeListener);
      await disposeWs.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await hub.stop();
    });
  },
  { name: 'torale-live', dependencies: ['torale-auth', 'torale-errors'] },
);
