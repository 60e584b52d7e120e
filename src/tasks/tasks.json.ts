// The REST JSON of tasks and executions (CONTRACT.md field names, ISO 8601 UTC times).
// Plain functions with no GraphQL in sight: the job handlers build webhook payloads with them.
import type { ExecutionRow } from '../db/types.js';
import type { TaskWithLast } from './tasks.repository.js';

/** What a request answers besides the task: a new webhook secret (once) and the run-now outcome. */
export interface TaskExtras {
  webhookSecret?: string;
  immediateExecutionError?: string | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const toExecutionJson = (e: ExecutionRow) => ({
  id: e.id,
  task_id: e.task_id,
  status: e.status,
  started_at: iso(e.started_at),
  completed_at: iso(e.completed_at),
  result: e.result ?? null,
  error_message: e.error_message,
  notification: e.notification,
  grounding_sources: e.grounding_sources ?? [],
  created_at: iso(e.created_at),
});

type NotificationLike = { type?: unknown; url?: unknown; address?: unknown };

/**
 * The flat notification summary Torale's own API returns beside `notifications` (its dashboard's
 * task configuration reads these): the channel types in order, the email address and the webhook
 * URL. Derived from `notifications`, so a public view (no notifications) has none of them.
 */
export function notificationSummary(notifications: unknown) {
  const list = (Array.isArray(notifications) ? notifications : []) as NotificationLike[];
  const channels: ('email' | 'webhook')[] = [];
  let email: string | null = null;
  let webhook: string | null = null;
  for (const n of list) {
    if (n.type === 'email' && typeof n.address === 'string') {
      if (!channels.includes('email')) channels.push('email');
      email ??= n.address;
    } else if (n.type === 'webhook' && typeof n.url === 'string') {
      if (!channels.includes('webhook')) channels.push('webhook');
      webhook ??= n.url;
    }
  }
  return { notification_channels: channels, notification_email: email, webhook_url: webhook };
}

/**
 * Each notification with every key of Torale's NotificationConfig (`null` where unset; `method`
 * defaults to POST there, for email too); a webhook also says whether the gateway disabled it.
 */
const notificationsJson = (t: TaskWithLast) =>
  t.notifications.map((n) =>
    n.type === 'webhook'
      ? {
          type: n.type,
          address: null,
          template: n.template ?? null,
          url: n.url,
          method: n.method,
          headers: n.headers && Object.keys(n.headers).length > 0 ? n.headers : null,
          // A Date from a query, a string from a row returned as JSON (runs).
          disabled_at: t.webhook_disabled_at ? new Date(t.webhook_disabled_at).toISOString() : null,
          disabled_reason: t.webhook_disabled_reason ?? null,
        }
      : { type: n.type, address: n.address, template: n.template ?? null, url: null, method: 'POST', headers: null },
  );

export const toTaskJson = (t: TaskWithLast, extra: TaskExtras = {}) => ({
  id: t.id,
  user_id: t.user_id,
  name: t.name,
  search_query: t.search_query,
  condition_description: t.condition_description,
  state: t.state,
  next_run: iso(t.next_run),
  is_public: t.is_public,
  view_count: t.view_count,
  subscriber_count: t.subscriber_count,
  forked_from_task_id: t.forked_from_task_id,
  last_known_state: t.last_known_state ?? null,
  last_execution_id: t.last_execution_id,
  last_execution: t.last_execution ? toExecutionJson(t.last_execution) : null,
  notifications: notificationsJson(t),
  // Torale's Task always carries it; connectors are not supported here, so it is always empty.
  attached_connector_slugs: [],
  context: t.context ?? null,
  ...notificationSummary(t.notifications),
  state_changed_at: iso(t.state_changed_at),
  created_at: iso(t.created_at),
  updated_at: iso(t.updated_at),
  // On every Task, as Torale's model has it: null except on a create whose run-now failed.
  immediate_execution_error: extra.immediateExecutionError ?? null,
  ...(extra.webhookSecret && { webhook_secret: extra.webhookSecret }),
});
