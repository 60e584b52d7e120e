// The floors: the lightest honest servers doing the work the gateway cannot avoid for a
// request — parse the request, look the API key and its user up (the gateway's one indexed
// SELECT), run the gateway's SQL for the answer, and send the rows as JSON. Nothing else: no
// hooks, no logging, no schema on the response, no metrics. Each statement is the gateway's
// own SQL text (its Kysely builders, compiled once at start), sent as a named prepared
// statement on one `pg` pool the size of the gateway's, as the gateway sends it.
//   fastify — bare Fastify: GET /me answers the key's user (floor of REST GET /auth/me)
//   apollo  — bare Fastify + @apollo/server + @as-integrations/fastify answering `{ me { id email } }`
//             (floor of GraphQL me), with the gateway's Apollo settings and none of its plugins
//   list    — bare Fastify: GET / runs the key SELECT and the 1,000-task list SQL
// Usage (compiled by bench/tsconfig.baselines.json): node dist/bench/bench/baselines/server.js <fastify|apollo|list>
// (env: PORT, DATABASE_URL, USER_ID)
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify from 'fastify';
import { type Compilable, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { keyWithUserByPrefixQuery } from '../../src/api-keys/api-keys.repository.js';
import { displayPrefixOf } from '../../src/auth/api-key-format.js';
import type { DB } from '../../src/db/types.js';
import { ownTasksQuery } from '../../src/tasks/tasks.repository.js';

const mode = process.argv[2];
const port = Number(process.env.PORT ?? 8100);
const app = Fastify({ logger: false });
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: 10,
  idleTimeoutMillis: 30_000,
  application_name: `bench-floor-${mode}`,
});
pool.on('error', () => {});
// Only used to compile the SQL text at start; the requests go straight to pg.
const compiler = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });

/** A statement compiled once from the gateway's builder; `$n` marks stand for the arguments. */
function statement(name: string, build: (...marks: string[]) => Compilable<unknown>, arity: number) {
  const marks = Array.from({ length: arity }, (_, i) => `\u0000arg${i}`);
  const { sql, parameters } = build(...marks).compile();
  const slots = parameters.map((p) => marks.indexOf(p as string));
  return async <R>(...args: unknown[]): Promise<R[]> => {
    const values = parameters.map((p, i) => (slots[i]! >= 0 ? args[slots[i]!] : p));
    return (await pool.query({ name: `floor_${name}`, text: sql, values })).rows as R[];
  };
}

interface KeyUser {
  id: string;
  clerk_user_id: string;
  email: string | null;
  first_name: string | null;
  username: string | null;
  is_active: boolean;
  has_seen_welcome: boolean;
  created_at: Date;
}
const keyWithUser = statement('key_with_user', (prefix) => keyWithUserByPrefixQuery(compiler, prefix!), 1);
async function userOfKey(authorization: string | undefined): Promise<KeyUser | null> {
  const [row] = await keyWithUser<KeyUser>(displayPrefixOf((authorization ?? '').slice('Bearer '.length)));
  return row ?? null;
}
/** The user as the gateway's `/auth/me` answers it. */
const userJson = (u: KeyUser) => ({
  id: u.id,
  clerk_user_id: u.clerk_user_id,
  email: u.email,
  first_name: u.first_name,
  username: u.username,
  is_active: u.is_active,
  has_seen_welcome: u.has_seen_welcome,
  created_at: u.created_at,
});

if (mode === 'fastify') {
  app.get('/me', async (req, reply) => {
    const user = await userOfKey(req.headers.authorization);
    return user ? userJson(user) : reply.code(401).send({ detail: 'Invalid API key' });
  });
} else if (mode === 'apollo') {
  const apollo = new ApolloServer<{ authorization: string | undefined }>({
    typeDefs: 'type User { id: ID!, email: String } type Query { me: User }',
    // The gateway's Apollo settings (src/plugins/graphql.ts): the default cache-control plugin
    // and landing page are off there too, and so is introspection.
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
  const ownTasks = statement('own_tasks', (userId) => ownTasksQuery(compiler, userId!), 1);
  app.get('/', async (req, reply) => {
    const user = await userOfKey(req.headers.authorization);
    return user ? ownTasks(user.id) : reply.code(401).send({ detail: 'Invalid API key' });
  });
} else {
  console.error(`unknown floor "${mode}"`);
  process.exit(2);
}
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
