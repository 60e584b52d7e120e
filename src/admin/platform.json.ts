// The platform views' rows as Torale's admin console reads them.
import type { AdminExecutionRow, AdminTaskRow, ScheduledRow } from './platform.repository.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const toAdminTaskJson = (t: AdminTaskRow) => ({
  id: t.id,
  name: t.name,
  search_query: t.search_query,
  condition_description: t.condition_description,
  next_run: iso(t.next_run),
  state: t.state,
  has_notification: t.last_notification !== null,
  created_at: t.created_at.toISOString(),
  user_email: t.user_email,
  execution_count: t.execution_count,
  trigger_count: t.trigger_count,
  last_known_state: t.last_known_state ?? null,
  state_changed_at: iso(t.state_changed_at),
});

export const toAdminExecutionJson = (e: AdminExecutionRow) => ({
  id: e.id,
  task_id: e.task_id,
  status: e.status,
  started_at: e.started_at.toISOString(),
  completed_at: iso(e.completed_at),
  result: e.result ?? null,
  error_message: e.error_message,
  notification: e.notification,
  grounding_sources: e.grounding_sources ?? [],
  search_query: e.search_query,
  user_email: e.user_email,
});

export const toAdminErrorJson = (e: AdminExecutionRow) => ({
  id: e.id,
  task_id: e.task_id,
  started_at: e.started_at.toISOString(),
  completed_at: iso(e.completed_at),
  error_message: e.error_message,
  search_query: e.search_query,
  task_name: e.task_name,
  user_email: e.user_email,
});

/** A scheduled run as Torale's scheduler job: `task-<id>`, a one-off date trigger. */
export const toJobJson = (s: ScheduledRow, now: Date) => ({
  id: `task-${s.id}`,
  name: s.name,
  next_run_time: s.next_dispatch_at.toISOString(),
  paused: false,
  trigger: `date[${s.next_dispatch_at.toISOString()}]`,
  due: s.next_dispatch_at <= now,
});
