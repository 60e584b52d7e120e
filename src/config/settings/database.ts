// PostgreSQL (or embedded PGlite) and Redis. One entry per setting (see ../settings.ts).
import { int, str, url } from '../kinds.js';

export const database = {
  url: url('DATABASE_URL', 'PostgreSQL URL; unset = embedded PGlite in `PGLITE_DIR` (development only)', {
    protocols: ['postgres:', 'postgresql:'],
    example: 'postgres://postgres@127.0.0.1:5432/torale',
  }),
  pgliteDir: str('PGLITE_DIR', 'PGlite data directory', { default: '.data/pglite' }),
  poolSize: int('DATABASE_POOL_SIZE', 'pg pool size per instance', { min: 1, max: 200, default: 10 }),
  connectTimeoutMs: int('DATABASE_CONNECT_TIMEOUT_MS', 'how long a query waits for a pool connection', {
    min: 100,
    max: 120_000,
    default: 5000,
  }),
  statementTimeoutMs: int('DATABASE_STATEMENT_TIMEOUT_MS', 'longest a statement may run', {
    min: 100,
    max: 600_000,
    default: 15_000,
  }),
  redisUrl: url(
    'REDIS_URL',
    'shared store for rate limits and persisted queries across instances; unset = in-process',
    { protocols: ['redis:', 'rediss:'], example: 'redis://127.0.0.1:6379' },
  ),
};
