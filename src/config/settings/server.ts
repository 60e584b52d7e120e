// Listening, HTTP behaviour, shutdown. One entry per setting (see ../settings.ts).
import { bool, int, oneOf, origins, str } from '../kinds.js';

export const server = {
  nodeEnv: oneOf(
    'NODE_ENV',
    '`development`, `test` or `production` (any other value is refused at startup); `production` requires `DATABASE_URL` and Clerk config, turns introspection off',
    ['development', 'test', 'production'],
  ),
  port: int('PORT', 'TCP port to listen on', { min: 0, max: 65535, default: 8000 }),
  host: str('HOST', 'address to listen on', { default: '127.0.0.1' }),
  devTools: bool(
    'TORALE_DEV_TOOLS',
    '`1` = development helpers: a built-in development agent when `TORALE_AGENT_URL` is unset, and a webhook inbox at `/dev/webhook-inbox`; refused unless `HOST` is loopback and `NODE_ENV` is not `production` (`npm run dev` sets it)',
  ),
  corsOrigins: origins('CORS_ORIGINS', 'comma-separated browser origins allowed to call the API', {
    example: 'http://localhost:3000',
  }),
  introspection: bool('GRAPHQL_INTROSPECTION', 'GraphQL introspection `1`/`0`', {
    computed: 'on, off in production',
  }),
  requestTimeoutMs: int(
    'REQUEST_TIMEOUT_MS',
    'a client must send its whole request (headers and body) within this time, else 408 and the connection is closed',
    { min: 500, max: 600_000, default: 30_000 },
  ),
  trustProxy: int('TRUST_PROXY', 'number of proxy hops in front (load balancer) whose `X-Forwarded-For` is trusted', {
    min: 0,
    max: 10,
    default: 0,
  }),
  shutdownDrainMs: int(
    'SHUTDOWN_DRAIN_MS',
    'on SIGTERM, how long readiness fails (and responses close their connections) before the listener closes, so a load balancer stops sending first',
    { min: 0, max: 120_000, computed: '`5000` in production, else `0`' },
  ),
  shutdownTimeoutMs: int(
    'SHUTDOWN_TIMEOUT_MS',
    'how long a graceful shutdown may take after the drain before the process exits anyway',
    { min: 0, max: 300_000, default: 10_000 },
  ),
  heapGrowingPercent: int(
    'NODE_HEAP_GROWING_PERCENT',
    "how far V8 lets the heap grow past what the last full collection kept before it collects again, in percent (V8's own factor lets a 55 MB live heap reach 230 MB of garbage under 1,000-task pages); `0` = V8's own",
    { min: 0, max: 1000, default: 50 },
  ),
};
