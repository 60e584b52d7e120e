// Hourly housekeeping (one instance at a time, by the job engine): forget what is only
// kept for a while — expired Idempotency-Keys and the per-day viewer marks of public tasks.
import { deleteExpiredIdempotencyKeys } from '../tasks/idempotency.repository.js';
import { deleteOldViews } from '../tasks/tasks.repository.js';
import type { RunContext } from './run-context.js';

/** Days of view marks kept: today and yesterday decide whether a view counts again. */
const VIEW_DAYS_KEPT = 2;

export function createCleanup({ db, logger }: RunContext) {
  return async function cleanup(): Promise<{ idempotencyKeys: number; views: number }> {
    const idempotencyKeys = await deleteExpiredIdempotencyKeys(db);
    const views = await deleteOldViews(db, VIEW_DAYS_KEPT);
    if (idempotencyKeys + views > 0) logger.info({ idempotencyKeys, views }, 'cleanup removed expired rows');
    return { idempotencyKeys, views };
  };
}
