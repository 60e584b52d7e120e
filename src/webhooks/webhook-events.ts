// The events a webhook receives, built in one place: the envelope every event shares, and
// the data of each kind (a run that met its condition, a task's ping, the default
// webhook's test).
import { randomBytes, randomUUID } from 'node:crypto';
import type { ExecutionRow, TaskRow } from '../db/types.js';
import { toExecutionJson, toTaskJson } from '../tasks/tasks.json.js';

export interface WebhookEvent {
  id: string;
  event_type: string;
  created_at: string;
  object: 'event';
  api_version: 'v1';
  data: Record<string, unknown>;
}

const envelope = (id: string, eventType: string, data: Record<string, unknown>): WebhookEvent => ({
  id,
  event_type: eventType,
  created_at: new Date().toISOString(),
  object: 'event',
  api_version: 'v1',
  data,
});

/** A run met its condition; the event's id is also its delivery's. */
export function conditionMetEvent(task: TaskRow, execution: ExecutionRow): WebhookEvent {
  // The receiver sees the task without its notification targets.
  const {
    notifications: _hidden,
    notification_channels: _channels,
    notification_email: _email,
    webhook_url: _url,
    ...taskForReceiver
  } = toTaskJson({ ...task, last_execution: null });
  return envelope(randomUUID(), 'task.condition_met', {
    task: taskForReceiver,
    execution: toExecutionJson(execution),
    result: execution.result,
  });
}

/** A ping of a task's webhook, sent by its owner. */
export const pingEvent = (task: Pick<TaskRow, 'id' | 'name'>): WebhookEvent =>
  envelope(randomUUID(), 'ping', { task: { id: task.id, name: task.name } });

/** The default webhook's test: a made-up run, as Torale's dashboard sends it. */
export function defaultWebhookTestEvent(): WebhookEvent {
  const now = new Date().toISOString();
  return envelope(`test_${randomBytes(8).toString('hex')}`, 'task.condition_met', {
    task: {
      id: 'test_task_id',
      name: 'Test Task',
      search_query: 'Test query',
      condition_description: 'Test condition',
    },
    execution: { id: 'test_execution_id', notification: 'Test notification text', completed_at: now },
    result: { answer: 'Test answer', grounding_sources: [] },
  });
}
