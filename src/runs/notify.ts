// What a run that met its condition sends to webhooks: one event per webhook target of the
// task, recorded in the run's own transaction and queued for delivery. Its emails are
// notifications/emails.ts's (afterRun), in the same transaction.
import { randomUUID } from 'node:crypto';
import type { Db, ExecutionRow, Notification, TaskRow } from '../db/types.js';
import { toExecutionJson, toTaskJson } from '../tasks/tasks.json.js';
import { insertWebhookDelivery } from './deliveries.repository.js';
import type { JobEngine } from './engine.js';

export async function recordNotifications(
  trx: Db,
  engine: JobEngine,
  task: TaskRow,
  exec: ExecutionRow,
  result: unknown,
): Promise<void> {
  // The receiver sees the task without its notification targets.
  const {
    notifications: _hidden,
    notification_channels: _channels,
    notification_email: _email,
    webhook_url: _url,
    ...taskForReceiver
  } = toTaskJson({ ...task, last_execution: null });
  for (const n of task.notifications as Notification[]) {
    const payload = {
      id: randomUUID(),
      event_type: 'task.condition_met',
      created_at: new Date().toISOString(),
      object: 'event',
      api_version: 'v1',
      data: { task: taskForReceiver, execution: toExecutionJson(exec), result },
    };
    if (n.type === 'webhook') {
      const id = await insertWebhookDelivery(trx, {
        id: payload.id,
        taskId: task.id,
        executionId: exec.id,
        url: n.url,
        payload,
      });
      await engine.enqueueDelivery(trx, id);
    }
  }
}
