// graphql-ws on a `ws` server, wired the way graphql-ws's own `useServer` starter does,
// with the gateway's logger instead of console output: a client that sends an oversized
// message or breaks the protocol is the client's problem (ws closes it with 1009 or the
// protocol's own code), not an internal error to print. Keep-alive: a ping every
// `keepAliveMs`; a socket that does not answer the next one is terminated.
import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../lib/logger.js';

export interface SocketExtra extends Record<PropertyKey, unknown> {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

export function serveGraphQLWs<E extends SocketExtra>(
  options: ServerOptions<Record<string, unknown> | undefined, E>,
  wss: WebSocketServer,
  keepAliveMs: number,
  logger: Logger,
): { dispose(): Promise<void> } {
  const server = makeServer(options);
  wss.options.handleProtocols = handleProtocols;
  wss.on('error', (err) => logger.error({ err }, 'live socket server failed'));
  wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
    const openedAt = Date.now();
    const url = (request.url ?? '/graphql').split('?')[0];
    logger.info({ live: 'ws', event: 'open', url }, 'live socket opened');
    socket.on('error', (err) => {
      // ws has already closed the socket with the right code (e.g. 1009 Message Too Big).
      logger.debug({ err: { message: err.message } }, 'live socket error');
    });
    let pongWait: NodeJS.Timeout | undefined;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
      socket.once('pong', () => clearTimeout(pongWait));
      socket.ping();
    }, keepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', async (data) => {
            try {
              await cb(String(data));
            } catch (err) {
              logger.error({ err }, 'live message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request } as E,
    );
    socket.once('close', (code, reason) => {
      logger.info(
        { live: 'ws', event: 'close', url, code, reason: String(reason), ms: Date.now() - openedAt },
        'live socket closed',
      );
      clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners('connection');
    },
  };
}
