// Baseline servers: what the gateway's requests would cost with nothing of its own on top.
//   fastify — bare Fastify: GET / runs the gateway's own API-key SQL (compiled by the same
//             Kysely query builder, sent as a named prepared statement like the gateway's) for
//             the key in Authorization and returns the row (B-fastify, the floor of REST GET /auth/me)
//   apollo  — bare Fastify + @apollo/server (the gateway's integration) answering
//             `{ me { id email } }` with that same SQL (B-apollo, the floor of GraphQL me)
//   list    — bare Fastify: GET / runs the gateway's 1,000-task list SQL, rows as JSON
// Usage (compiled by bench/tsconfig.baselines.json): node dist/bench/bench/baselines/server.js <fastify|apollo|list> (env: PORT, DATABASE_URL, USER_ID)
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { keyWithUserByPrefixQuery } from '../../src/api-keys/api-keys.repository.js';
import { displayPrefixOf } from '../../src/auth/api-key-format.js';
import type { DB } from '../../src/db/types.js';
import { ownTasksQuery } from '../../src/tasks/tasks.repository.js';

const mode = process.argv[2];
const port = Number(process.env.PORT ?? 8100);
const app = Fastify({ logger: false });
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => {});
// Only used to compile the SQL text; the requests go straight to pg.
const compiler = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
let queries = 0;

const PREFIX = '\u0000prefix';
const keySql = keyWithUserByPrefixQuery(compiler, PREFIX).compile();
async function userOfKey(authorization: string | undefined) {
  queries++;
  const prefix = displayPrefixOf((authorization ?? '').slice('Bearer '.length));
  // A named prepared statement, as the gateway sends it (src/db/prepared.ts).
  const { rows } = await pool.query({
    name: 'bench_key_with_user',
    text: keySql.sql,
    values: keySql.parameters.map((p) => (p === PREFIX ? prefix : p)),
  });
  return (rows[0] as { id: string; email: string | null } | undefined) ?? null;
}

if (mode === 'fastify') {
  app.get('/', async (req) => userOfKey(req.headers.authorization));
} else if (mode === 'apollo') {
  const apollo = new ApolloServer<{ authorization: string | undefined }>({
    typeDefs: 'type User { id: ID!, email: String } type Query { me: User }',
    // The gateway's Apollo settings (src/plugins/graphql.ts) without any of its own plugins: the
    // default cache-control plugin and landing page are off there too.
    introspection: false,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
    resolvers: {
      Query: {
        me: (_: unknown, __: unknown, ctx: { authorization: string | undefined }) => userOfKey(ctx.authorization),
      },
    },
  });
  await apollo.start();
  app.route({
    url: '/graphql',
    method: ['GET', 'POST'],
    handler: fastifyApolloHandler(apollo, { context: async (req) => ({ authorization: req.headers.authorization }) }),
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
app.get('/stats', async () => ({ queries }));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
