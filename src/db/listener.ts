// LISTEN on PostgreSQL: one dedicated connection per instance (outside the pool, which
// hands connections to whoever asks), re-established with backoff after any failure.
// `onReconnect` tells the caller that notifications may have been missed meanwhile.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '../lib/logger.js';

export interface Listener {
  close(): Promise<void>;
}

export interface ListenHandlers {
  onMessage(payload: string): void;
  onReconnect?(): void;
  /** Each time LISTEN is in place (the first time too): what was missed before can be read now. */
  onListening?(): void;
}

export function listenPostgres(url: string, channel: string, handlers: ListenHandlers, logger: Logger): Listener {
  let closed = false;
  let signalClosed!: () => void;
  /** Settles when close() is called: nothing in the loop waits past it. */
  const closing = new Promise<'closed'>((resolve) => {
    signalClosed = () => resolve('closed');
  });

  async function connectLoop(): Promise<void> {
    let delay = 250;
    let first = true;
    while (!closed) {
      const c = new pg.Client({ connectionString: url, application_name: 'torale-gateway-listen', keepAlive: true });
      const lost = new Promise<'lost'>((resolve) => {
        c.on('error', (err) => {
          if (!closed) logger.warn({ err: { message: err.message } }, 'live listener connection failed');
          resolve('lost');
        });
        c.on('end', () => resolve('lost'));
      });
      c.on('notification', (n) => {
        if (n.channel === channel && n.payload !== undefined) handlers.onMessage(n.payload);
      });
      try {
        // pg's end() during connect() can leave connect() unsettled: race it with close() instead.
        const ready = c.connect().then(() => c.query(`LISTEN ${pg.escapeIdentifier(channel)}`));
        ready.catch(() => undefined);
        if ((await Promise.race([ready.then(() => 'ready' as const), closing])) === 'closed') {
          void ready.then(() => c.end()).catch(() => undefined);
          return;
        }
        delay = 250;
        if (!first) handlers.onReconnect?.();
        handlers.onListening?.();
        first = false;
        await Promise.race([lost, closing]);
      } catch (err) {
        if (!closed) logger.warn({ err: { message: (err as Error).message } }, 'live listener could not connect');
      }
      await Promise.race([c.end().catch(() => undefined), sleep(1000, undefined, { ref: false })]);
      if (closed) return;
      await Promise.race([sleep(delay), closing]);
      delay = Math.min(delay * 2, 5000);
    }
  }

  const loop = connectLoop();
  return {
    async close() {
      closed = true;
      signalClosed();
      await loop;
    },
  };
}
