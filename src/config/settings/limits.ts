// Quotas and rate limits per user and per client address. One entry per setting (see ../settings.ts).
import { int } from '../kinds.js';
import { MINUTE_LIMIT } from './shared.js';

export const limits = {
  maxTasksPerUser: int(
    'MAX_TASKS_PER_USER',
    'tasks one user may have in any state (creates and forks beyond it get 400)',
    { min: 1, max: 1_000_000, default: 1000 },
  ),
  maxUsers: int(
    'MAX_USERS',
    "the beta's capacity `GET /public/stats` reports as Torale's landing page reads it (`max_users`, `available_slots`); nothing refuses a user beyond it, as in Torale",
    { min: 0, max: 100_000_000, default: 100 },
  ),
  apiKeyCreatesPerMinute: int('API_KEY_CREATE_LIMIT_PER_MINUTE', 'API-key creations per user per minute', {
    min: 1,
    max: 10_000,
    default: 3,
  }),
  authFailuresPerMinute: int(
    'AUTH_FAILURE_LIMIT_PER_MINUTE',
    'refused credentials per client address per minute before further attempts get 429 (per instance)',
    { ...MINUTE_LIMIT, default: 100 },
  ),
  anonymousPerMinute: int(
    'ANONYMOUS_LIMIT_PER_MINUTE',
    "requests without credentials (GraphQL, `/api/v1/public/*`, any other route but health, metrics and docs) per client address per minute; then 429 `Too many requests` with `Retry-After`. Shared across instances through `REDIS_URL`; behind a load balancer set `TRUST_PROXY`, or every anonymous caller shares the balancer's address",
    { ...MINUTE_LIMIT, default: 300 },
  ),
  waitlistJoinsPerMinute: int(
    'WAITLIST_JOINS_PER_MINUTE',
    'sign-ups `POST /public/waitlist` takes per client address per minute (as Torale: 5); then 429 `Too many requests` with `Retry-After`',
    { ...MINUTE_LIMIT, default: 5 },
  ),
};
