// Baseline servers: what the gateway would cost with nothing of its own on top.
//   B0 hello — bare Fastify answering {"hello":"world"}
//   B1 key   — bare Fastify running the gateway's own API-key SQL (compiled by the same
//              Kysely query builder) and returning the row
//   B2 list  — bare Fastify running the gateway's own 1,000-task list SQL, rows as JSON
// Usage: node --import tsx bench/baselines/server.ts <hello|key|list> (env: PORT, DATABASE_URL, KEY_PREFIX, USER_ID)
import Fastify from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { keyWithUserByPrefixQuery } from '../../src/api-keys/api-keys.repository.js';
import type { DB } from '../../src/db/types.js';
import { ownTasksQuery } from '../../src/tasks/tasks.repository.js';

const mode = process.argv[2];
const port = Number(process.env.PORT ?? 8100);
const app = Fastify({ logger: false });
let queries = 0;

if (mode === 'hello') {
  app.get('/', async () => ({ hello: 'world' }));
} else {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  pool.on('error', () => {});
  // Only used to compile the SQL text; the requests go straight to pg.
  const compiler = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  if (mode === 'key') {
    const compiled = keyWithUserByPrefixQuery(compiler, '\u0000prefix').compile();
    app.get('/', async () => {
      queries++;
      const params = compiled.parameters.map((p) => (p === '\u0000prefix' ? process.env.KEY_PREFIX : p));
      const { rows } = await pool.query(compiled.sql, params);
      return rows[0] ?? null;
    });
  } else if (mode === 'list') {
    const placeholder = '00000000-0000-0000-0000-000000000000';
    const compiled = ownTasksQuery(compiler, placeholder).compile();
    const params = compiled.parameters.map((p) => (p === placeholder ? process.env.USER_ID : p));
    app.get('/', async () => {
      queries++;
      const { rows } = await pool.query(compiled.sql, params);
      return rows;
    });
  } else {
    console.error(`unknown baseline "${mode}"`);
    process.exit(2);
  }
}
app.get('/stats', async () => ({ queries }));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
