// The floors: the lightest honest servers doing the work the gateway cannot avoid for a
// request — parse the request, look the API key and its user up (the gateway's one indexed
// SELECT), run the gateway's SQL for the answer, and send the rows as JSON. Nothing else: no
// hooks, no logging, no schema on the response, no metrics. Each statement is the gateway's
// own SQL text (its Kysely builders, compiled once at start), sent as a named prepared
// statement on one `pg` pool the size of the gateway's, as the gateway sends it.
//   fastify — bare Fastify: GET /me answers the key's user (floor of REST GET /auth/me);
//             GET /tasks/:id/executions, /tasks/:id/notifications and /feed run the key SELECT and
//             the gateway's one list statement (ownership included) and send its rows
//   apollo  — bare Fastify + @apollo/server + @as-integrations/fastify answering `{ me { id email } }`
//             and `executions(taskId, limit)` (floors of GraphQL me and executions), with the
//             gateway's Apollo settings and none of its plugins
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
import { GraphQLError, GraphQLScalarType } from 'graphql';
import { type Compilable, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { keyWithUserByPrefixQuery } from '../../src/api-keys/api-keys.repository.js';
import { displayPrefixOf } from '../../src/auth/api-key-format.js';
import type { DB } from '../../src/db/types.js';
import { feedQuery } from '../../src/feed/feed.repository.js';
import { readableExecutionsQuery } from '../../src/tasks/executions.repository.js';
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

const executions = statement(
  'executions',
  (u, t, n) => readableExecutionsQuery(compiler, false, u!, t!, n as never),
  3,
);
const notified = statement('notified', (u, t, n) => readableExecutionsQuery(compiler, true, u!, t!, n as never), 3);
const feed = statement('feed', (u, n) => feedQuery(compiler, { userId: u!, limit: n as never }), 2);
interface Row {
  id: string | null;
  started_at: Date;
}
/** The list if the task is the user's (no row: it is not), as the gateway reads it. */
const own = (rows: Row[]) => (rows.length === 0 ? null : rows[0]!.id === null ? [] : rows);
const limitOf = (q: unknown) => Number((q as { limit?: string }).limit ?? 100);

if (mode === 'fastify') {
  app.get('/me', async (req, reply) => {
    const user = await userOfKey(req.headers.authorization);
    return user ? userJson(user) : reply.code(401).send({ detail: 'Invalid API key' });
  });
  for (const [path, list] of [
    ['/tasks/:id/executions', executions],
    ['/tasks/:id/notifications', notified],
  ] as const) {
    app.get(path, async (req, reply) => {
      const user = await userOfKey(req.headers.authorization);
      if (!user) return reply.code(401).send({ detail: 'Invalid API key' });
      const rows = own(await list<Row>(user.id, (req.params as { id: string }).id, limitOf(req.query)));
      return rows ?? reply.code(404).send({ detail: 'Task not found' });
    });
  }
  app.get('/feed', async (req, reply) => {
    const user = await userOfKey(req.headers.authorization);
    return user ? feed(user.id, limitOf(req.query)) : reply.code(401).send({ detail: 'Invalid API key' });
  });
} else if (mode === 'apollo') {
  const apollo = new ApolloServer<{ authorization: string | undefined }>({
    typeDefs: `scalar JSON
      type User { id: ID!, email: String }
      type Execution { id: ID!, status: String!, startedAt: String!, result: JSON }
      type Query { me: User, executions(taskId: ID!, limit: Int): [Execution!]! }`,
    // The gateway's Apollo settings (src/plugins/graphql.ts): the default cache-control plugin
    // and landing page are off there too, and so is introspection.
    introspection: false,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled()],
    resolvers: {
      JSON: new GraphQLScalarType({ name: 'JSON', serialize: (v) => v }),
      Execution: { startedAt: (r: Row) => r.started_at.toISOString() },
      Query: {
        me: (_: unknown, __: unknown, ctx: { authorization: string | undefined }) => userOfKey(ctx.authorization),
        executions: async (
          _: unknown,
          args: { taskId: string; limit?: number },
          ctx: { authorization: string | undefined },
        ) => {
          const user = await userOfKey(ctx.authorization);
          if (!user) throw new GraphQLError('Invalid API key');
          const rows = own(await executions<Row>(user.id, args.taskId, args.limit ?? 100));
          if (!rows) throw new GraphQLError('Task not found');
          return rows;
        },
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
