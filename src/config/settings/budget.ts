// Per-caller budgets (src/budget): REST requests and GraphQL cost points per window, per API
// key (per user for sessions), and expensive operations at once per user. One entry per
// setting (see ../settings.ts). An honest dashboard stays far below the defaults: its task
// list costs 4,000 points (graphql/cost.ts), its other queries under 500, and it polls a few
// times a minute.
import { int } from '../kinds.js';

export const budget = {
  windowSeconds: int(
    'RATE_LIMIT_WINDOW_SECONDS',
    'length of a budget window (windows are aligned to the epoch, so every instance resets together)',
    {
      min: 1,
      max: 3600,
      default: 60,
    },
  ),
  restRequests: int(
    'RATE_LIMIT_REST_REQUESTS',
    'REST requests per window per API key (per user for sessions); then 429 `Too many requests` with `Retry-After`. Every answer carries `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`. 0 = off',
    { min: 0, max: 10_000_000, default: 1200 },
  ),
  graphqlPoints: int(
    'RATE_LIMIT_GRAPHQL_POINTS',
    'GraphQL cost points per window per API key (per user for sessions); an operation that does not fit is 429 `TOO_MANY_REQUESTS` and costs nothing. 0 = off',
    { min: 0, max: 1_000_000_000, default: 200_000 },
  ),
  expensiveCost: int(
    'RATE_LIMIT_EXPENSIVE_COST',
    'a GraphQL operation of at least this cost is expensive (see `RATE_LIMIT_EXPENSIVE_CONCURRENCY`)',
    { min: 1, max: 1_000_000, default: 1_000 },
  ),
  expensiveConcurrency: int(
    'RATE_LIMIT_EXPENSIVE_CONCURRENCY',
    'expensive GraphQL operations one user may run at once per instance; more wait their turn (up to 16 per user, at most 5 s each), then 429 with `Retry-After: 1`',
    { min: 1, max: 1000, default: 2 },
  ),
  expensiveShare: int(
    'RATE_LIMIT_EXPENSIVE_SHARE',
    "percent of the wall time one user's expensive GraphQL operations may keep an instance busy (with a 1 s burst); more wait their turn like operations over `RATE_LIMIT_EXPENSIVE_CONCURRENCY`. A slower instance allows fewer of them. 100 = no bound",
    { min: 1, max: 100, default: 10 },
  ),
  refusalHoldMs: int(
    'RATE_LIMIT_REFUSAL_HOLD_MS',
    'a 429 for a spent budget (or a full expensive-operation queue) is answered after this hold, at most 8 held per caller at once (beyond them at once), so a client ignoring `Retry-After` gets a few answers a second, not hundreds. 0 = at once',
    { min: 0, max: 10_000, default: 1000 },
  ),
  syncMs: int(
    'RATE_LIMIT_SYNC_MS',
    'how often an instance adds its charges to the shared budgets in Redis (`REDIS_URL`); a caller can overspend by what other instances let through in one interval',
    { min: 10, max: 10_000, default: 200 },
  ),
};
