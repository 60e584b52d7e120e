// Hourly housekeeping (one instance at a time, by the job engine): forget what is only
// kept for a while — expired Idempotency-Keys, the per-day viewer marks of public tasks,
// and security-log events (and Clerk webhook receipts) past their 90-day retention.
import { deleteOldSecurityEvents } from '../security/security-events.repository.js';
import { SECURITY_EVENT_RETENTION_DAYS } from '../security/security-events.service.js';
import { deleteExpiredIdempotencyKeys } from '../tasks/idempotency.repository.js';
import { deleteOldViews } from '../tasks/tasks.repository.js';
import type { RunContext } from './run-context.js';

/** Days of view marks kept: today and yesterday decide whether a view counts again. */
const VIEW_DAYS_KEPT = 2;

export function createCleanup({ db, logger }: RunContext) {
  return async function cleanup(): Promise<{ idempotencyKeys: number; views: number; securityEvents: number }> {
    const idempotencyKeys = await deleteExpiredIdempotencyKeys(db);
    const views = await deleteOldViews(db, VIEW_DAYS_KEPT);
    const securityEvents = await deleteOldSecurityEvents(db, SECURITY_EVENT_RETENTION_DAYS);
    if (idempotencyKeys + views + securityEvents > 0) {
      logger.info({ idempotencyKeys, views, securityEvents }, 'cleanup removed expired rows');
    }
    return { idempotencyKeys, views, securityEvents };
  };
}
