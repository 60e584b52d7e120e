// The cache of anonymous public reads (src/cache/). One entry per setting (see ../settings.ts).
import { bool, int } from '../kinds.js';

export const publicCache = {
  enabled: bool(
    'PUBLIC_CACHE',
    'cache anonymous GraphQL reads of public tasks, the public feed and templates (`@cacheControl` hints; retired on every change through `torale_public` notifications); in Redis when `REDIS_URL` is set, else in memory',
    { default: true },
  ),
  memoryMb: int('PUBLIC_CACHE_MEMORY_MB', 'size bound of the in-memory public cache (without Redis), in MiB', {
    min: 1,
    max: 4096,
    default: 32,
  }),
};
