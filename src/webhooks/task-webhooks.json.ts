// The REST JSON of a task's webhook deliveries (ISO 8601 UTC times).
import type { TaskDeliveryView } from './task-webhooks.service.js';

export const toTaskDeliveryJson = (d: TaskDeliveryView) => ({
  id: d.id,
  event: d.event,
  status: d.status,
  created_at: d.created_at.toISOString(),
  next_attempt_at: d.next_attempt_at?.toISOString() ?? null,
  attempts: d.attempts.map((a) => ({
    at: a.at.toISOString(),
    status_code: a.status_code,
    duration_ms: a.duration_ms,
    error: a.error,
  })),
});
