// Builds the real app against a test database. Requests go through app.inject(), or a
// real port when `listen` is set. Logs are captured so tests can assert what they hold.
import { Writable } from 'node:stream';
import pino from 'pino';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { type Container, createContainer } from '../../src/container.js';
import type { Database } from '../../src/db/database.js';
import { engineOptions, PgBossEngine } from '../../src/engine/pg-boss-engine.js';
import { type Logger, loggerOptions } from '../../src/lib/logger.js';
import { ensureDevUser } from '../../src/users/users.service.js';
import type { TestDatabase } from './db.js';

export interface TestApp {
  app: App;
  /** Every service, cache and counter of this gateway (tests read these, not the Fastify instance). */
  container: Container;
  database: Database;
  /** Every route as registered. */
  routes: { method: string; url: string; hidden: boolean }[];
  /** Every log line the app wrote, as text. */
  logs: string[];
  url: string | undefined;
  close(): Promise<void>;
}

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'info',
  API_KEY_BCRYPT_COST: '4',
  HOST: '127.0.0.1',
};

export async function startApp(
  tdb: TestDatabase,
  opts: {
    env?: Record<string, string | undefined>;
    listen?: boolean;
    ownPool?: boolean;
    /** Start the job engine on this file's database so runs execute. */
    jobs?: boolean;
    /** Runs before the app is ready, e.g. to add a route that throws. */
    beforeReady?: (app: App) => void;
  } = {},
): Promise<TestApp> {
  const env = { ...TEST_ENV, ...opts.env };
  const config = loadConfig(env);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      const line = chunk.toString();
      logs.push(line);
      // TEST_SHOW_ERRORS=1 prints the app's error logs, to debug a failing test.
      if (process.env.TEST_SHOW_ERRORS && /"level":(50|60)/.test(line)) process.stderr.write(line);
      cb();
    },
  });
  const logger = pino(loggerOptions(config.telemetry.logLevel), stream) as unknown as Logger;
  const database = opts.ownPool ? await tdb.open() : tdb.database;
  if (config.auth.noAuth) await ensureDevUser(database.db, config.auth.noAuthEmail);
  const engine = opts.jobs ? new PgBossEngine(engineOptions(config, database.url), logger) : undefined;
  const container = createContainer(config, { database, logger, engine });
  const routes: TestApp['routes'] = [];
  const app = await buildApp(container, {
    onRoute: (route) => {
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, hidden });
    },
  });
  opts.beforeReady?.(app);
  let url: string | undefined;
  if (opts.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const addr = app.server.address();
    if (addr && typeof addr === 'object') url = `http://127.0.0.1:${addr.port}`;
  } else {
    await app.ready();
  }
  return {
    app,
    container,
    database,
    routes,
    logs,
    url,
    close: async () => {
      await app.close();
      if (opts.ownPool) await database.close();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
