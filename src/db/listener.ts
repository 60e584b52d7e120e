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
}

export function listenPostgres(url: string, channel: string, handlers: ListenHandlers, logger: Logger): Listener {
  let closed = false;
  let client: pg.Client | undefined;
  let wake = new AbortController();

  async function connectLoop(): Promise<void> {
    let delay = 250;
    let first = true;
    while (!closed) {
      const c = new pg.Client({ connectionString: url, application_name: 'torale-gateway-listen', keepAlive: true });
      const lost = new Promise<void>((resolve) => {
        c.on('error', (err) => {
          logger.warn({ err: { message: err.message } }, 'live listener connection failed');
          resolve();
        });
        c.on('end', () => resolve());
      });
      c.on('notification', (n) => {
        if (n.channel === channel && n.payload !== undefined) handlers.onMessage(n.payload);
      });
      try {
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        client = c;
        delay = 250;
        if (!first) handlers.onReconnect?.();
        first = false;
        await lost;
      } catch (err) {
        logger.warn({ err: { message: (err as Error).message } }, 'live listener could not connect');
      }
      client = undefined;
      await c.end().catch(() => undefined);
      if (closed) return;
      wake = new AbortController();
      await sleep(delay, undefined, { signal: wake.signal }).catch(() => undefined);
      delay = Math.min(delay * 2, 5000);
    }
  }

  const loop = connectLoop();
  return {
    async close() {
      closed = true;
      wake.abort();
      await client?.end().catch(() => undefined);
      await loop;
    },
  };
}
