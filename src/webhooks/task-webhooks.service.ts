// A task's webhook as its owner manages it (CONTRACT.md "Webhooks (additions)"): rotate the
// signing secret, read the delivery log with every attempt, replay a delivery (same
// webhook-id), send a test ping. Only the owner; anyone else gets 404 like a missing task.
import type { Kysely } from 'kysely';
import { requireScope, requireUser, type Viewer } from '../auth/viewer.js';
import type { DB, TaskRow } from '../db/types.js';
import { Errors } from '../errors.js';
import { decodeCursor, encodeCursor, part } from '../lib/cursor.js';
import type { RateLimit } from '../lib/rate-limit.js';
import { isUuid } from '../lib/validation.js';
import { lockOwnTask, ownTask } from '../tasks/task-access.js';
import {
  attemptsOf,
  type DeliveryRow,
  deliveriesPage,
  findDelivery,
  insertWebhookDelivery,
  reopenDelivery,
} from './deliveries.repository.js';
import { rotateWebhookSecret } from './task-webhooks.repository.js';
import { pingEvent } from './webhook-events.js';
import { newWebhookSecret } from './webhook-signing.js';
import { webhookOf } from './webhook-targets.js';
import type { WebhookDeliveries } from './webhooks.jobs.js';

export const NO_WEBHOOK = 'Task has no webhook notification';
export const TARGET_CHANGED = 'The webhook has moved since this delivery; it cannot be replayed';
export const DELIVERY_NOT_FOUND = 'Delivery not found';

export interface AttemptView {
  at: Date;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
}

/** One delivery in a task's webhook log, with every attempt (the notification history's row is DeliveryView). */
export interface TaskDeliveryView {
  id: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  created_at: Date;
  next_attempt_at: Date | null;
  attempts: AttemptView[];
}

export interface TaskWebhooksDeps {
  db: Kysely<DB>;
  /** Test pings are attempted at once; replays are queued. */
  deliveries: Pick<WebhookDeliveries, 'deliver' | 'queue'>;
  overlapHours: number;
  /** Test pings per user. */
  testLimit: RateLimit;
  /** Replays per user (as test pings: each is an outbound request on demand). */
  replayLimit: RateLimit;
}

export type TaskWebhooksService = ReturnType<typeof createTaskWebhooksService>;

export function createTaskWebhooksService({ db, deliveries, overlapHours, testLimit, replayLimit }: TaskWebhooksDeps) {
  const viewersTask = (viewer: Viewer, taskId: string): Promise<TaskRow> => ownTask(db, requireUser(viewer).id, taskId);

  async function withAttempts(rows: readonly Omit<DeliveryRow, 'key_time'>[]): Promise<TaskDeliveryView[]> {
    const all = await attemptsOf(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      status: r.status === 'skipped' ? 'failed' : r.status,
      created_at: r.created_at,
      next_attempt_at: r.status === 'pending' ? r.next_attempt_at : null,
      attempts: all
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({ at: a.created_at, status_code: a.status_code, duration_ms: a.duration_ms, error: a.error })),
    }));
  }

  async function one(taskId: string, deliveryId: string): Promise<TaskDeliveryView> {
    const row = await findDelivery(db, taskId, deliveryId);
    if (!row) throw Errors.notFound(DELIVERY_NOT_FOUND);
    return (await withAttempts([row]))[0] as TaskDeliveryView;
  }

  return {
    /** A new secret, returned this once; the previous one keeps signing through the overlap. */
    async rotateSecret(viewer: Viewer, taskId: string): Promise<{ webhook_secret: string }> {
      requireScope(viewer, 'tasks:write');
      const user = requireUser(viewer);
      const secret = newWebhookSecret();
      await db.transaction().execute(async (trx) => {
        const task = await lockOwnTask(trx, user.id, taskId);
        if (!webhookOf(task.notifications)) throw Errors.badRequest(NO_WEBHOOK);
        await rotateWebhookSecret(trx, taskId, secret, Math.round(overlapHours * 3600));
      });
      return { webhook_secret: secret };
    },

    /** Newest first, keyset paged; each delivery with all its attempts. */
    async deliveries(viewer: Viewer, taskId: string, q: { limit: number; cursor?: string }) {
      requireScope(viewer, 'tasks:read');
      const after =
        q.cursor === undefined
          ? null
          : (decodeCursor(q.cursor, (p) => p.length === 3 && p[0] === 'd' && part.time(p[1]) && part.uuid(p[2])).slice(
              1,
            ) as [string, string]);
      await viewersTask(viewer, taskId);
      const rows = await deliveriesPage(db, taskId, after, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        deliveries: await withAttempts(page),
        next_cursor: rows.length > q.limit && last ? encodeCursor(['d', last.key_time, last.id]) : null,
        cursors: page.map((r) => encodeCursor(['d', r.key_time, r.id])),
      };
    },

    /** One more attempt, queued now, with the same webhook-id. */
    async replay(viewer: Viewer, taskId: string, deliveryId: string): Promise<{ status: 'queued' }> {
      requireScope(viewer, 'tasks:write');
      const task = await viewersTask(viewer, taskId);
      if (!isUuid(deliveryId)) throw Errors.notFound(DELIVERY_NOT_FOUND);
      const hook = webhookOf(task.notifications);
      const quota = await replayLimit.consume(task.user_id);
      if (!quota.allowed) throw Errors.tooManyRequests(quota.retryAfterSeconds);
      await db.transaction().execute(async (trx) => {
        // Only to the webhook's URL now: the current secret never signs for a target it was not made for.
        const reopened = hook && (await reopenDelivery(trx, taskId, deliveryId, hook.url));
        if (!reopened) {
          if (!(await findDelivery(trx, taskId, deliveryId))) throw Errors.notFound(DELIVERY_NOT_FOUND);
          throw Errors.badRequest(TARGET_CHANGED);
        }
        const n = reopened.attempts + 1;
        // A pending delivery goes on with its schedule after this attempt; an ended one gets just this one.
        const kind = reopened.before === 'pending' ? 'scheduled' : 'final';
        await deliveries.queue.add(trx, { deliveryId, attempt: n, kind }, { key: `${deliveryId}:${n}:replay` });
      });
      return { status: 'queued' };
    },

    /**
     * A test ping to the task's webhook now, in the envelope every delivery has (the task as it
     * is, a made-up run); logged as a `ping` delivery; the delivery with the attempt's outcome.
     */
    async test(viewer: Viewer, taskId: string): Promise<TaskDeliveryView> {
      requireScope(viewer, 'tasks:write');
      const task = await viewersTask(viewer, taskId);
      const hook = webhookOf(task.notifications);
      if (!hook) throw Errors.badRequest(NO_WEBHOOK);
      const quota = await testLimit.consume(task.user_id);
      if (!quota.allowed) throw Errors.tooManyRequests(quota.retryAfterSeconds);
      const event = pingEvent(task);
      const id = await insertWebhookDelivery(db, {
        taskId,
        executionId: null,
        url: hook.url,
        payload: event,
        event: 'ping',
      });
      await deliveries.deliver({ deliveryId: id, attempt: 1, kind: 'final' }, true);
      return one(taskId, id);
    },
  };
}
