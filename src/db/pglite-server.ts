// Embedded PostgreSQL for development: one PGlite database served over the PostgreSQL wire
// protocol on a loopback port, so `pg`, pg-boss and LISTEN connect to it exactly as they
// connect to a server — one code path for both.
//
// PGlite is a single session, so connections take turns on it the way a transaction-pooling
// proxy hands out a server connection: a connection holds the session from its first
// message until the session is idle again (ReadyForQuery 'I'), which keeps transactions and
// extended-protocol exchanges (Parse … Sync) of different connections from interleaving.
// What would otherwise leak between connections sharing one session is kept apart here:
// named prepared statements get a per-connection name, and NOTIFY is routed to the
// connections that asked to LISTEN on its channel (the session itself hears them all).
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../lib/logger.js';
import {
  backendMessages,
  channelOf,
  cstr,
  GSSENC_REQUEST,
  message,
  PROTOCOL_3,
  readyForQuery,
  SSL_REQUEST,
  sessionParameters,
  startupReply,
  takeMessages,
} from './wire-protocol.js';

interface Conn {
  id: number;
  socket: Socket;
  buf: Buffer;
  started: boolean;
  pending: Buffer[];
  listens: Set<string>;
  statements: Set<string>;
  closed: boolean;
}

export interface PGliteServer {
  /** postgres:// URL of the served database. */
  readonly url: string;
  /** Connections holding or waiting for the session (metrics). */
  stats(): { connections: number; waiting: number };
  close(): Promise<void>;
}

export async function servePGlite(
  pglite: PGlite,
  logger: Logger,
  opts: { host?: string; port?: number } = {},
): Promise<PGliteServer> {
  const host = opts.host ?? '127.0.0.1';
  const conns = new Set<Conn>();
  const waiters: Conn[] = [];
  let holder: Conn | null = null;
  /** The session's transaction status after the last answer: I idle, T in a transaction, E failed one. */
  let status = 'I';
  /** true while an extended-protocol exchange waits for its Sync. */
  let midExchange = false;
  let pumping = false;
  let stopped = false;
  let nextId = 1;
  const params = await sessionParameters(pglite);

  async function exec(msg: Uint8Array): Promise<Uint8Array> {
    return pglite.runExclusive(() => pglite.execProtocolRaw(msg));
  }

  /** The session's answer for `conn`: NOTIFYs go to their listeners, the rest back to the asker. */
  function route(conn: Conn, out: Uint8Array): Buffer[] {
    const own: Buffer[] = [];
    for (const m of backendMessages(out)) {
      if (m.type === 'Z') {
        status = String.fromCharCode(m.body[0] as number);
        midExchange = false;
      }
      if (m.type !== 'A') {
        own.push(m.frame);
        continue;
      }
      const channelStart = 4;
      const channelEnd = m.body.indexOf(0, channelStart);
      const channel = m.body.subarray(channelStart, channelEnd).toString('utf8');
      for (const c of conns) {
        if (!c.listens.has(channel) || c.closed) continue;
        if (c === conn) own.push(m.frame);
        else c.socket.write(m.frame);
      }
    }
    return own;
  }

  /** Rewrites a frontend message for the shared session (statement names); null = answered here. */
  function rewrite(conn: Conn, msg: Buffer): Buffer | null {
    const type = String.fromCharCode(msg[0] as number);
    const body = msg.subarray(5);
    const rename = (name: string) => {
      if (name === '') return name;
      conn.statements.add(name);
      return `${name}__c${conn.id}`;
    };
    if (type === 'P') {
      const end = body.indexOf(0);
      midExchange = true;
      return message(
        'P',
        Buffer.concat([cstr(rename(body.subarray(0, end).toString('utf8'))), body.subarray(end + 1)]),
      );
    }
    if (type === 'B') {
      const portalEnd = body.indexOf(0);
      const stmtEnd = body.indexOf(0, portalEnd + 1);
      const stmt = body.subarray(portalEnd + 1, stmtEnd).toString('utf8');
      midExchange = true;
      return message(
        'B',
        Buffer.concat([body.subarray(0, portalEnd + 1), cstr(rename(stmt)), body.subarray(stmtEnd + 1)]),
      );
    }
    if ((type === 'D' || type === 'C') && body[0] === 0x53 /* S */) {
      const name = body.subarray(1, body.indexOf(0, 1)).toString('utf8');
      if (type === 'C') conn.statements.delete(name);
      midExchange = true;
      return message(type, Buffer.concat([body.subarray(0, 1), cstr(name === '' ? '' : `${name}__c${conn.id}`)]));
    }
    if (type === 'Q') {
      const text = body.subarray(0, body.indexOf(0)).toString('utf8');
      const listen = /^\s*LISTEN\s+(.+)$/is.exec(text);
      if (listen) conn.listens.add(channelOf(listen[1] as string));
      const unlisten = /^\s*UNLISTEN\s+(.+)$/is.exec(text);
      if (unlisten) {
        // The session keeps listening for the other connections: answer this one here.
        const channel = channelOf(unlisten[1] as string);
        if (channel === '*') conn.listens.clear();
        else conn.listens.delete(channel);
        conn.socket.write(Buffer.concat([message('C', cstr('UNLISTEN')), readyForQuery(status)]));
        return null;
      }
    }
    if (type !== 'S' && type !== 'Q') midExchange = midExchange || type === 'E' || type === 'H';
    return msg;
  }

  function startup(conn: Conn, msg: Buffer): boolean {
    const code = msg.length >= 8 ? msg.readInt32BE(4) : 0;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      conn.socket.write('N');
      return false; // the real startup message follows
    }
    if (code !== PROTOCOL_3) {
      // Cancel requests (and anything else) are not supported: the session cannot be interrupted.
      conn.socket.end();
      return false;
    }
    conn.socket.write(startupReply(conn.id, params));
    return true;
  }

  function request(conn: Conn): void {
    if (holder === conn) return void pump();
    if (!holder && waiters.length === 0) {
      holder = conn;
      return void pump();
    }
    if (!waiters.includes(conn)) waiters.push(conn);
    if (!holder) {
      holder = waiters.shift() ?? null;
      void pump();
    }
  }

  function release(): void {
    holder = waiters.shift() ?? null;
    if (holder) void pump();
  }

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (holder && !stopped) {
        const conn: Conn = holder;
        if (conn.closed) {
          await finish(conn);
          release();
          continue;
        }
        const msg = conn.pending.shift();
        if (!msg) {
          // Nothing more to send: give the session back unless a transaction or exchange is open.
          if (status === 'I' && !midExchange) release();
          else break;
          continue;
        }
        if (msg[0] === 0x58 /* X: Terminate */) {
          conn.closed = true;
          conn.socket.end();
          continue;
        }
        const sent = rewrite(conn, msg);
        if (!sent) continue;
        const out = route(conn, await exec(sent));
        if (!conn.closed && out.length) conn.socket.write(Buffer.concat(out));
        // Fair turns: between statements, an idle session goes to the next connection in line.
        if (status === 'I' && !midExchange && waiters.length > 0 && !conn.closed) {
          if (conn.pending.length > 0) waiters.push(conn);
          release();
        }
      }
    } catch (err) {
      if (stopped) return;
      logger.error({ err: { message: (err as Error).message } }, 'embedded database protocol error');
      if (holder) {
        holder.closed = true;
        holder.socket.destroy();
        pumping = false;
        return pump();
      }
    } finally {
      pumping = false;
    }
  }

  /** Finishes what a departed connection left open on the session: exchange, transaction, statements. */
  async function finish(conn: Conn): Promise<void> {
    conns.delete(conn);
    conn.pending = [];
    const sync = message('S', Buffer.alloc(0));
    if (midExchange) route(conn, await exec(sync));
    if (status !== 'I') route(conn, await exec(message('Q', cstr('ROLLBACK'))));
    if (conn.statements.size === 0) return;
    for (const name of conn.statements) {
      await exec(message('C', Buffer.concat([Buffer.from('S'), cstr(`${name}__c${conn.id}`)])));
    }
    route(conn, await exec(sync));
    conn.statements.clear();
  }

  /** The socket closed: a connection holding the session or owning statements finishes on its turn. */
  function closed(conn: Conn): void {
    conn.closed = true;
    if (holder === conn) return void pump();
    const i = waiters.indexOf(conn);
    if (i >= 0) waiters.splice(i, 1);
    if (conn.statements.size > 0) request(conn);
    else conns.delete(conn);
  }

  const server: Server = createServer((socket) => {
    const conn: Conn = {
      id: nextId++,
      socket,
      buf: Buffer.alloc(0),
      started: false,
      pending: [],
      listens: new Set(),
      statements: new Set(),
      closed: false,
    };
    conns.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (data) => {
      conn.buf = conn.buf.length ? Buffer.concat([conn.buf, data]) : data;
      while (!conn.started) {
        const { messages, rest } = takeMessages(conn.buf, true);
        const first = messages[0];
        if (!first) return;
        conn.buf = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
        conn.started = startup(conn, first);
        if (socket.destroyed || socket.writableEnded) return;
      }
      const { messages, rest } = takeMessages(conn.buf, false);
      conn.buf = rest.length ? Buffer.from(rest) : Buffer.alloc(0);
      if (messages.length === 0) return;
      conn.pending.push(...messages.map((m) => Buffer.from(m)));
      request(conn);
    });
    socket.on('error', () => {});
    socket.on('close', () => closed(conn));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    stats: () => ({ connections: conns.size, waiting: waiters.length }),
    async close() {
      stopped = true;
      for (const c of conns) c.socket.destroy();
      // The statement in progress (if any) finishes before the database may be closed.
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
