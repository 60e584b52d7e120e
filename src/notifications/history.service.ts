// Notification history of the viewer's own tasks, as the dashboard's settings page shows
// it: webhook deliveries (with their attempts) and "sends" (emails, and webhooks too unless
// filtered). Views over notification_deliveries; another user's task is 404.
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB } from '../db/types.js';
import { ownTask } from '../tasks/task-access.js';
import { type HistoryFilter, type HistoryRow, listHistory } from './history.repository.js';
import type { DeliveriesQuery, SendsQuery } from './notifications.schemas.js';

export type HistoryService = ReturnType<typeof createHistoryService>;

export interface DeliveryView {
  id: string;
  task_id: string;
  execution_id: string;
  webhook_url: string;
  status: 'success' | 'failed' | 'retrying';
  http_status_code: number | null;
  attempts: number;
  next_retry_at: Date | null;
  error_message: string | null;
  created_at: Date;
  delivered_at: Date | null;
  failed_at: Date | null;
}

export interface SendView {
  id: string;
  user_id: string;
  task_id: string;
  execution_id: string;
  recipient: string;
  notification_type: 'email' | 'webhook';
  status: 'success' | 'failed' | 'retrying' | 'skipped' | 'refused';
  error_message: string | null;
  created_at: Date;
}

/** The dashboard's words for a delivery's state: a pending one is still being tried. */
function statusOf(s: HistoryRow['status']): SendView['status'] {
  if (s === 'delivered') return 'success';
  return s === 'pending' ? 'retrying' : s;
}

/** Why it did not (yet) go out: the recorded reason, else the latest attempt's error or status. */
function errorOf(d: HistoryRow): string | null {
  if (d.status === 'delivered') return null;
  if (d.reason) return d.reason;
  if (d.last_error) return d.last_error;
  return d.last_status_code !== null ? `HTTP ${d.last_status_code}` : null;
}

const toSend = (d: HistoryRow): SendView => ({
  id: d.id,
  user_id: d.user_id,
  task_id: d.task_id,
  execution_id: d.execution_id,
  recipient: d.target,
  notification_type: d.channel,
  status: statusOf(d.status),
  error_message: errorOf(d),
  created_at: d.created_at,
});

function toDelivery(d: HistoryRow, nextAttempt: Date | undefined): DeliveryView {
  const status = statusOf(d.status);
  return {
    id: d.id,
    task_id: d.task_id,
    execution_id: d.execution_id,
    webhook_url: d.target,
    status: status === 'skipped' || status === 'refused' ? 'failed' : status,
    http_status_code: d.last_status_code,
    attempts: d.attempts,
    next_retry_at: nextAttempt ?? null,
    error_message: errorOf(d),
    created_at: d.created_at,
    delivered_at: d.delivered_at,
    failed_at: d.status === 'failed' ? (d.last_attempt_at ?? d.created_at) : null,
  };
}

export function createHistoryService({ db }: { db: Kysely<DB> }) {
  async function page(viewer: Viewer, f: Omit<HistoryFilter, 'userId'>, p: { limit: number; offset: number }) {
    const user = requireUser(viewer);
    if (f.taskId !== undefined) await ownTask(db, user.id, f.taskId);
    return listHistory(db, { ...f, userId: user.id }, p);
  }

  return {
    /** Webhook deliveries; one that failed and waits for a retry says when. */
    async deliveries(viewer: Viewer, q: DeliveriesQuery): Promise<{ deliveries: DeliveryView[]; total: number }> {
      requireScope(viewer, 'tasks:read');
      const { rows, total } = await page(viewer, { taskId: q.task_id, channel: 'webhook' }, q);
      const retryAt = (r: HistoryRow) => (r.status === 'pending' && r.attempts > 0 ? r.next_attempt_at : null);
      return { deliveries: rows.map((r) => toDelivery(r, retryAt(r) ?? undefined)), total };
    },

    async sends(viewer: Viewer, q: SendsQuery): Promise<{ sends: SendView[]; total: number }> {
      requireScope(viewer, 'tasks:read');
      const { rows, total } = await page(viewer, { taskId: q.task_id, channel: q.notification_type }, q);
      return { sends: rows.map(toSend), total };
    },
  };
}
